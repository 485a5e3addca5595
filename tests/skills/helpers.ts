/**
 * Shared pieces of the skills tests: a registry on the real memory backends, zip builders, and starting the
 * standalone registry process on a random port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { type Zippable, zipSync } from "fflate";
import { memoryBlobStore } from "../../gateway/src/blob-stores/memory.ts";
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { createSkillsRegistry } from "../../skills-registry/src/index.ts";

export const ROOT = resolve(import.meta.dirname, "../..");

/** Tokens: alice and bob may publish; `reader` belongs to alice but lacks the scope. */
export const TOKENS: Record<string, { user: string; scopes: string[] }> = {
  "alice-token": { user: "alice", scopes: ["publish"] },
  "bob-token": { user: "bob", scopes: ["publish"] },
  "reader-token": { user: "alice", scopes: ["read"] },
};

/** A registry on the memory backends, or on the given store and blob store (e.g. one of two Redis connections). */
export function createTestRegistry(
  backends: { store: SessionStore; blobs: BlobStore } = {
    store: memorySessionStore({}),
    blobs: memoryBlobStore(),
  },
) {
  const { store, blobs } = backends;
  const registry = createSkillsRegistry({
    store,
    blobs,
    async authenticate(request) {
      const token = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
      const entry = token ? TOKENS[token] : undefined;
      return entry ? { ...entry, tokenId: token! } : null;
    },
  });
  async function call(
    method: string,
    path: string,
    options: { token?: string; body?: BodyInit; json?: unknown } = {},
  ) {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    const response = await registry.fetch(
      new Request(`http://registry.test${path}`, { method, headers, body }),
    );
    const text = response.headers.get("content-type")?.includes("json") ? await response.text() : "";
    return {
      status: response.status,
      body: text ? JSON.parse(text) : null,
      headers: response.headers,
      response,
    };
  }
  const publish = (
    author: string,
    slug: string,
    version: string,
    archive: Uint8Array,
    token = `${author}-token`,
    tag?: string,
  ) =>
    call("PUT", `/${author}/${slug}/${version}${tag ? `?tag=${tag}` : ""}`, {
      token,
      body: archive as Uint8Array<ArrayBuffer>,
    });
  return { registry, store, blobs, call, publish };
}

export function skillMd(
  name: string,
  version: string,
  extra = "",
  description = `The ${name} skill, for tests.`,
): string {
  return `---\nname: ${name}\ndescription: ${description}\n${extra}metadata:\n  version: "${version}"\n---\n# ${name}\n\nDo the thing.\n`;
}

const encoder = new TextEncoder();

/** A zip of `files` (strings or bytes), with optional per-entry attributes for hostile archives. */
export function zip(
  files: Record<string, string | Uint8Array | [string | Uint8Array, { os?: number; attrs?: number }]>,
): Uint8Array {
  const zippable: Zippable = {};
  for (const [path, value] of Object.entries(files)) {
    const [data, attributes] = Array.isArray(value) ? value : [value, {}];
    zippable[path] = [typeof data === "string" ? encoder.encode(data) : data, attributes];
  }
  return zipSync(zippable);
}

export function skillZip(name: string, version: string, more: Record<string, string> = {}): Uint8Array {
  return zip({ "SKILL.md": skillMd(name, version), ...more });
}

export interface RunningProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a server that prints `listening on http://...` and resolves with its URL. */
export async function startProcess(args: string[], env: Record<string, string>): Promise<RunningProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20_000);
    const onData = (data: Buffer) => {
      log += data.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    child,
    output: () => log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The standalone registry (`skills-registry/serve.ts`) with alice's and bob's tokens. */
export function startStandaloneRegistry(): Promise<RunningProcess> {
  return startProcess(["--import", "tsx", "skills-registry/serve.ts"], {
    PORT: "0",
    HOST: "127.0.0.1",
    SKILLS_REGISTRY_TOKENS: JSON.stringify({ "alice-token": "alice", "bob-token": "bob" }),
  });
}
