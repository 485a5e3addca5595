/**
 * Files an agent produced for a caller. The connector uploads each file for a request it is running
 * (`PUT /v1/attachments/:request/:name`, agent auth); when its `done` frame lists the file, the gateway hands it to
 * that request's caller (`GET /v1/attachments/:request/:name?agent=<agent id>`). Only that caller can download it;
 * everyone else gets 404.
 *
 * Files are kept under the uploading agent as well as the request: request ids are unique, not secret, and another
 * user's agent that guessed one must not be able to take a name before the agent running the request uploads it.
 *
 * A file (its record and its bytes) expires after the task TTL (`AGENT_MESH_TASK_TTL_MS`), counted from its upload,
 * whether or not it was handed over: otherwise every file ever uploaded would stay on the node for good.
 */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware.ts";
import type { GatewayConfig } from "../config.ts";
import { AGENT_ID, isOwner } from "../domain/agents.ts";
import { errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import type { DoneFrame } from "../protocol/index.ts";
import type { RelayCall } from "../relay/types.ts";
import type { GatewayServices } from "../services.ts";
import { limitBody } from "../util/body-limit.ts";
import { sha256Hex } from "../util/crypto.ts";
import { extended } from "../util/extended.ts";

export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

interface AttachmentMeta {
  name: string;
  size: number;
  agent_id: string;
  /** Set when the agent's `done` frame hands the file to its caller. */
  owner: string | null;
  /** When the file expires (epoch ms): the hand-over keeps it. Absent on records from before files expired. */
  expires_at?: number;
}

/** Seconds a file is kept from its upload: the task TTL. */
const ttlSecondsOf = (config: GatewayConfig): number => Math.ceil(config.taskTtlMs / 1000);

/** Where a file is kept; without an agent, where files uploaded before they were kept per agent are. */
async function keyOf(requestId: string, agentId: string | null, name: string): Promise<string> {
  const hash = (await sha256Hex(name)).slice(0, 40);
  return agentId === null ? `attachment:${requestId}:${hash}` : `attachment:${requestId}:${agentId}:${hash}`;
}

function checkName(name: string): string {
  if (
    !name ||
    name.length > 255 ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    /[\u0000-\u001f\\]/.test(name) ||
    name.split("/").some((p) => p === ".." || p === "")
  ) {
    throw errors.invalidRequest(
      "Attachment names are relative paths without `..`, empty parts or control characters.",
    );
  }
  return name;
}

export const attachmentRoutes = new Hono<GatewayEnv>()
  .put(
    "/v1/attachments/:request/:name",
    requireAuth("connect"),
    limitBody(MAX_ATTACHMENT_BYTES),
    async (c) => {
      const { agents, store, blobs, config } = c.get("services");
      const caller = c.get("caller");
      const requestId = c.req.param("request");
      if (!REQUEST_ID.test(requestId)) throw errors.invalidRequest("Bad request id.");
      const name = checkName(c.req.param("name"));
      const agentRef = caller.agentId ?? c.req.query("agent");
      if (!agentRef) throw errors.invalidRequest("Say which agent uploads: `?agent=<ref>`.");
      const agent = await agents.resolve(caller, agentRef);
      if (!isOwner(caller, agent) && caller.agentId !== agent.id) throw errors.agentNotFound(agentRef);
      const data = new Uint8Array(await c.req.arrayBuffer());
      const key = await keyOf(requestId, agent.id, name);
      // Checked and claimed in one compare-and-set step: a file already handed to its caller stays as they got it
      // (an upload again would also have cleared its owner, and the caller's download answered 404).
      const ttl = ttlSecondsOf(config);
      const meta: AttachmentMeta = {
        name,
        size: data.byteLength,
        agent_id: agent.id,
        owner: null,
        expires_at: Date.now() + ttl * 1000,
      };
      const { changed } = await store.update<AttachmentMeta>(key, (existing) =>
        existing?.owner ? undefined : { value: meta, ttl },
      );
      if (!changed)
        throw errors.conflict("attachment_exists", "This file was already handed to the request's caller.");
      // The bytes expire with their record. A backend may keep them longer (fs: until its hourly sweep; S3: as the
      // bucket's lifecycle rule says), but without the record the download answers 404 as for an unknown file.
      await blobs.put(key, data, { ttl });
      return c.json({ name, size: data.byteLength }, 201);
    },
  )
  .get("/v1/attachments/:request/:name", requireAuth(), async (c) => {
    const { store, blobs } = c.get("services");
    const requestId = c.req.param("request");
    const name = c.req.param("name");
    const agentId = c.req.query("agent") ?? null;
    if (!REQUEST_ID.test(requestId) || (agentId !== null && !AGENT_ID.test(agentId)))
      throw errors.notFound("Attachment");
    const key = await keyOf(requestId, agentId, name);
    const meta = await store.get<AttachmentMeta>(key);
    if (!meta || meta.owner !== c.get("caller").user) throw errors.notFound("Attachment");
    const data = await blobs.get(key);
    if (!data) throw errors.notFound("Attachment");
    return new Response(data as Uint8Array<ArrayBuffer>, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(data.byteLength),
        "content-disposition": `attachment; filename="${encodeURIComponent(meta.name.split("/").pop()!)}"`,
        "x-content-type-options": "nosniff",
      },
    });
  });

/**
 * Hands the files a `done` frame lists to the request's caller, keeping only files this agent really uploaded
 * for this request, and rewrites their URLs to the gateway's download route.
 */
export function createAttachmentFinalizer(services: Pick<GatewayServices, "store" | "config">) {
  return async (call: RelayCall, frame: DoneFrame): Promise<DoneFrame> => {
    const attachments = [];
    for (const attachment of frame.attachments ?? []) {
      const key = await keyOf(call.requestId, call.agentId, attachment.name);
      // On the record as stored now, so a re-upload that landed meanwhile keeps its own size. With the TTL it has
      // left: a write without one would keep the record for good.
      const { value: meta, changed } = await services.store.update<AttachmentMeta>(key, (current) =>
        current && current.agent_id === call.agentId
          ? { value: extended(current, { owner: call.user }), ttl: ttlLeft(current, services.config) }
          : undefined,
      );
      if (!meta || !changed) continue;
      const path = `/v1/attachments/${encodeURIComponent(call.requestId)}/${encodeURIComponent(meta.name)}?agent=${encodeURIComponent(call.agentId)}`;
      attachments.push({
        name: meta.name,
        size: meta.size,
        url: call.origin ? `${call.origin}${path}` : path,
      });
    }
    return { ...frame, attachments };
  };
}

/** Seconds until the file expires, counted from its upload; the whole TTL for a record from before files expired. */
function ttlLeft(meta: AttachmentMeta, config: GatewayConfig): number {
  if (meta.expires_at === undefined) return ttlSecondsOf(config);
  // At least a second: the store refuses a TTL of zero, and a record read live is not expired yet.
  return Math.max(1, Math.ceil((meta.expires_at - Date.now()) / 1000));
}
