/**
 * `POST /v1/agents/:ref/messages`: stream (SSE), wait (JSON) or queue (async task) a message to an agent.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireAuth } from "../auth/middleware.ts";
import { taskView } from "../domain/tasks.ts";
import { ApiError } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { createSseSink, createSyncSink } from "../relay/caller-sinks.ts";
import type { RelayCall } from "../relay/types.ts";
import { readJson } from "../util/body.ts";
import { randomHex } from "../util/crypto.ts";
import { isPrivateHost } from "../util/private-address.ts";

const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;

const MessageBody = v.object({
  message: v.pipe(v.string(), v.minLength(1, "message must not be empty")),
  session_id: v.optional(v.pipe(v.string(), v.regex(SESSION_ID, "session_id: 1–128 letters, digits, . _ -"))),
  async: v.optional(v.boolean()),
  callback_url: v.optional(
    v.pipe(
      v.string(),
      v.url(),
      v.regex(/^https?:\/\//, "callback_url must be an http(s) URL"),
      v.maxLength(2048),
    ),
  ),
});

/** HTTP status for an agent-side failure of a sync call. */
const STATUS_FOR: Record<string, 409 | 429 | 502 | 503 | 504> = {
  agent_offline: 503,
  agent_busy: 429,
  agent_timeout: 504,
  canceled: 409,
};

export const messageRoutes = new Hono<GatewayEnv>().post(
  "/v1/agents/:ref/messages",
  requireAuth("call"),
  async (c) => {
    const services = c.var.services;
    const caller = c.var.caller;
    const agent = await services.agents.resolve(caller, c.req.param("ref"));
    const input = await readJson(c, MessageBody);
    if (input.callback_url && !input.async) {
      throw new ApiError(400, "invalid_request", 'callback_url needs "async": true.');
    }
    const callbackUrl = input.callback_url ? new URL(input.callback_url) : null;
    if (callbackUrl && !services.config.allowPrivateCallbacks && isPrivateHost(callbackUrl)) {
      throw new ApiError(
        400,
        "callback_url_forbidden",
        "callback_url points at a loopback or private address; the gateway operator can allow that with AGENT_MESH_ALLOW_PRIVATE_CALLBACKS=1.",
      );
    }
    const sessionId = input.session_id ?? crypto.randomUUID();
    if (input.session_id) {
      // A session belongs to whoever used it first; others cannot join it (ids are not secrets).
      const key = `session:${agent.id}:${sessionId}`;
      const owner =
        (await services.store.get<string>(key)) ??
        ((await services.store.add(key, caller.user)) ? caller.user : await services.store.get<string>(key));
      if (owner !== caller.user)
        throw new ApiError(404, "session_not_found", `No session ${sessionId} of yours with this agent.`);
    }
    const clientId = await services.clientId(caller.user, agent.id);

    if (input.async) {
      const task = await services.tasks.create({
        agent_id: agent.id,
        agent_name: agent.name,
        owner: caller.user,
        session_id: sessionId,
        client_id: clientId,
        message: input.message,
        callback_url: input.callback_url,
        origin: originOf(c.req.url),
      });
      services.hub
        .taskQueued(agent.id, task.id)
        .catch((error) => services.onError(error, { stage: "task-queued" }));
      const body: Record<string, unknown> = { ...taskView(task) };
      if (input.callback_url) body.callback_secret = await services.runner.callbackKey(task.id);
      return c.json(body, 202);
    }

    const call: RelayCall = {
      requestId: nextRequestId(),
      agentId: agent.id,
      agentName: agent.name,
      user: caller.user,
      sessionId,
      clientId,
      message: input.message,
      origin: originOf(c.req.url),
    };
    const cancel = () => {
      services.hub
        .cancel(agent.id, call.requestId)
        .catch((error) => services.onError(error, { stage: "cancel" }));
    };

    if (c.req.header("accept")?.includes("text/event-stream")) {
      const { sink, body } = createSseSink(sessionId, cancel);
      await services.hub.dispatch(call, sink);
      // A caller that goes away cancels the body stream, which cancels the request (see createSseSink).
      return new Response(body, {
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          "x-accel-buffering": "no",
        },
      });
    }

    const { sink, outcome } = createSyncSink();
    await services.hub.dispatch(call, sink);
    c.req.raw.signal.addEventListener("abort", cancel, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), services.config.syncTimeoutMs);
    });
    const result = await Promise.race([outcome, timeout]);
    if (timer !== undefined) clearTimeout(timer);
    if (!result) {
      cancel();
      throw new ApiError(
        504,
        "agent_timeout",
        `No answer within ${services.config.syncTimeoutMs} ms; use "async": true for long work.`,
      );
    }
    if (!result.ok) throw new ApiError(STATUS_FOR[result.code] ?? 502, result.code, result.message);
    return c.json({
      result: result.frame.result,
      session_id: sessionId,
      attachments: result.frame.attachments ?? [],
    });
  },
);

/** `https://host:port` of an absolute URL, without the cost of parsing it (this runs on every call). */
function originOf(url: string): string {
  const end = url.indexOf("/", url.indexOf("//") + 2);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * Request ids only need to be unique, not secret (every route that uses one checks who asks), so a random
 * per-process prefix and a counter do, without drawing random bytes on every call.
 */
let requestIdPrefix: string | undefined;
let requestCounter = 0;
function nextRequestId(): string {
  // Drawn on first use, not at import: Workers forbid randomness in global scope.
  requestIdPrefix ??= `rq_${randomHex(8)}`;
  requestCounter += 1;
  return `${requestIdPrefix}${requestCounter.toString(36)}`;
}
