/**
 * Standalone entry: the skills registry alone, on Node (`npx tsx skills-registry/serve.ts`), Bun or Deno, with
 * the same URL layout as inside the gateway (`/v1/skills/...` and `/skills/...`). See docs/skills.md.
 *
 * Environment:
 * - `PORT` (default 8790), `HOST` (default 127.0.0.1)
 * - `SKILLS_REGISTRY_TOKENS`: JSON map of bearer token → user name, or → `{ "user", "scopes" }`
 *   (a plain user name gets the `publish` scope), e.g. `{"s3cret":"alice"}`
 * - `SKILLS_REGISTRY_STORE`: `memory` (default) or `fs`; `SKILLS_REGISTRY_DATA_DIR` for `fs` (default ./.data/skills)
 */
import { mkdirSync } from "node:fs";
import * as fs from "node:fs/promises";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { fsBlobStore } from "../gateway/src/blob-stores/fs.ts";
import { memoryBlobStore } from "../gateway/src/blob-stores/memory.ts";
import { mountSkills } from "../gateway/src/routes/skills.ts";
import { fsSessionStore } from "../gateway/src/session-stores/fs.ts";
import { memorySessionStore } from "../gateway/src/session-stores/memory.ts";
import { lockDataDir } from "../runtimes/shared/data-dir-lock.ts";
import { printFsStoreNotes } from "../runtimes/shared/fs-store-notes.ts";
import { createSkillsRegistry, type Principal } from "./src/index.ts";

function parseTokens(raw: string | undefined): Map<string, Principal> {
  const tokens = new Map<string, Principal>();
  const entries = Object.entries(
    JSON.parse(raw || "{}") as Record<string, string | { user: string; scopes?: string[] }>,
  );
  for (const [token, value] of entries) {
    const user = typeof value === "string" ? value : value.user;
    const scopes = typeof value === "string" ? ["publish"] : (value.scopes ?? ["publish"]);
    tokens.set(token, { user, tokenId: `env:${user}`, scopes });
  }
  return tokens;
}

const tokens = parseTokens(process.env.SKILLS_REGISTRY_TOKENS);
const dataDir = process.env.SKILLS_REGISTRY_DATA_DIR || "./.data/skills";
const onDisk = process.env.SKILLS_REGISTRY_STORE === "fs";
// The fs store keeps its dataset in this process and appends to one journal: one process per directory.
if (onDisk) mkdirSync(dataDir, { recursive: true });
const unlock = onDisk ? lockDataDir(dataDir) : () => {};
const store = onDisk ? fsSessionStore({ dir: join(dataDir, "meta"), fs }) : memorySessionStore({});
const blobs = onDisk ? fsBlobStore({ dir: join(dataDir, "blobs"), fs }) : memoryBlobStore();
// A data folder on tmpfs or a container's own layer keeps less than the synced writes promise: said at start.
if (onDisk) void printFsStoreNotes(dataDir, undefined);

const registry = createSkillsRegistry({
  store,
  blobs,
  async authenticate(request) {
    const match = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "");
    return (match && tokens.get(match[1]!)) || null;
  },
});
const app = new Hono();
mountSkills(app, registry);

const server = serve(
  { fetch: app.fetch, hostname: process.env.HOST || "127.0.0.1", port: Number(process.env.PORT || 8790) },
  (info) => console.log(`skills registry (${store.name}) listening on http://${info.address}:${info.port}`),
);
const shutdown = async () => {
  server.close();
  await store.dispose();
  await blobs.dispose();
  unlock();
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
