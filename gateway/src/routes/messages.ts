/**
 * `POST /v1/agents/:ref/messages`: stream (SSE), wait (JSON) or queue (async task) a message to an agent (one
 * that is a person's interactive session is asked in its inbox: session-ask.ts).
 * `GET /v1/agents/:ref/messages/:request_id`: re-attach to a live stream after a dropped connection
 * (`Last-Event-ID` = the last seq seen) and get every chunk missed, once. `DELETE` on it stops the call now.
 */
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { requireAuth } from "../auth/middleware.ts";
import type { AgentRecord } from "../domain/agents.ts";
import { chainFrom } from "../domain/call-chain.ts";
import type { Caller } from "../domain/caller.ts";
import type { Sender } from "../domain/inbox.ts";
import { SESSION_ID } from "../domain/session-claims.ts";
import { taskView } from "../domain/tasks.ts";
import { ApiError, PersonsSession } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { PromptAnswer } from "../protocol/index.ts";
import { createSseSink } from "../relay/caller-sinks.ts";
import { readJson } from "../util/body.ts";
import { extended } from "../util/extended.ts";
import { isPrivateHost } from "../util/private-address.ts";
import { afterSeqOf, SSE_HEADERS } from "../util/sse.ts";
import { senderOf } from "./inbox.ts";
import { askSession, streamSessionAsk } from "./session-ask.ts";

const MessageBody = v.object({
  message: v.pipe(v.string(), v.minLength(1, "message must not be empty")),
  session_id: v.optional(v.pipe(v.string(), v.regex(SESSION_ID, "1–128 letters, digits, . _ -"))),
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

/**
 * Handles a message body for `agent` on behalf of `caller`: the one implementation behind `/v1` and share links
 * (`{share}/messages`), so both take the same bodies and give the same answers. With `asker`, who the caller is
 * in an inbox, a message that finds the agent online as a person's session (no connector) is asked there
 * (session-ask.ts); without it (a share link that does not reach sessions) it is refused.
 */
export async function handleMessage<E extends GatewayEnv>(
  c: Context<E>,
  caller: Caller,
  agent: AgentRecord,
  asker?: () => Promise<Sender>,
): Promise<Response> {
  const { calls, config, runner, onError, unread } = c.get("services");
  const input = await readJson(c, MessageBody);
  if (input.callback_url && !input.async) {
    throw new ApiError(400, "invalid_request", 'callback_url needs "async": true.');
  }
  const callbackUrl = input.callback_url ? new URL(input.callback_url) : null;
  if (callbackUrl && !config.allowPrivateCallbacks && isPrivateHost(callbackUrl)) {
    throw new ApiError(
      400,
      "callback_url_forbidden",
      "callback_url points at a loopback or private address; the gateway operator can allow that with AGENT_MESH_ALLOW_PRIVATE_CALLBACKS=1.",
    );
  }
  const origin = originOf(c.req.url);
  const chain = chainFrom(c.req.header("x-agent-mesh-chain"));
  const start = { message: input.message, sessionId: input.session_id, origin, chain };

  if (input.async) {
    const task = await calls.startTask(caller, agent, extended(start, { callbackUrl: input.callback_url }));
    const body: Record<string, unknown> = taskView(task);
    if (input.callback_url) body.callback_secret = await runner.callbackKey(task.id);
    return c.json(body, 202);
  }

  if (c.req.header("accept")?.includes("text/event-stream")) {
    // The session id is only known once claimed; the sink needs it for `done`, so claim first.
    const sessionId = await calls.claimSession(caller, agent, input.session_id);
    let requestId = "";
    const { sink, body } = createSseSink(sessionId, unread, () => {
      // The caller went away: the call keeps running for the resume window (see the GET route below).
      calls
        .release(agent.id, requestId, sink)
        .catch((error: unknown) => onError(error, { stage: "release" }));
    });
    try {
      ({ requestId } = await calls.callLive(caller, agent, extended(start, { sessionId }), sink));
    } catch (error) {
      if (!(error instanceof PersonsSession && asker)) throw error;
      return streamSessionAsk(c, agent, await asker(), input.message);
    }
    return new Response(body, {
      headers: extended(SSE_HEADERS, {
        "x-agent-mesh-request-id": requestId,
        "x-agent-mesh-session-id": sessionId,
      }),
    });
  }

  let asked: Awaited<ReturnType<typeof calls.ask>>;
  try {
    asked = await calls.ask(
      caller,
      agent,
      extended(start, { timeoutMs: config.syncTimeoutMs, connection: c.req.raw }),
    );
  } catch (error) {
    if (!(error instanceof PersonsSession && asker)) throw error;
    return askSession(c, agent, await asker(), input.message);
  }
  const { call, answer } = asked;
  if (!answer.ok && answer.code === "agent_timeout") {
    throw new ApiError(
      504,
      "agent_timeout",
      `No answer within ${config.syncTimeoutMs} ms; use "async": true for long work.`,
    );
  }
  if (!answer.ok) throw new ApiError(STATUS_FOR[answer.code] ?? 502, answer.code, answer.message);
  return c.json({
    result: answer.frame.result,
    session_id: call.sessionId,
    attachments: answer.frame.attachments ?? [],
  });
}

export const messageRoutes = new Hono<GatewayEnv>()
  .post("/v1/agents/:ref/messages", requireAuth("call", { rateLimited: true }), async (c) => {
    const agent = await c.get("services").calls.resolveAgent(c.get("caller"), c.req.param("ref"));
    return handleMessage(c, c.get("caller"), agent, () => senderOf(c));
  })
  .post("/v1/agents/:ref/messages/:request_id/input", requireAuth("call"), async (c) => {
    const { calls } = c.get("services");
    const agent = await calls.resolveAgent(c.get("caller"), c.req.param("ref"));
    const answer = await readJson(c, PromptAnswer);
    const target = { agentId: agent.id, requestId: c.req.param("request_id") };
    await calls.answerPrompt(c.get("caller"), target, answer);
    return c.json({ answered: answer.prompt_id, decision: answer.decision });
  })
  .get("/v1/agents/:ref/messages/:request_id", requireAuth("call"), async (c) => {
    const { calls, onError, unread } = c.get("services");
    const agent = await calls.resolveAgent(c.get("caller"), c.req.param("ref"));
    const requestId = c.req.param("request_id");
    const afterSeq = afterSeqOf(c.req.header("last-event-id") ?? c.req.query("after"));
    const sessionId = c.req.query("session_id") ?? "";
    const { sink, body } = createSseSink(sessionId, unread, () => {
      calls.release(agent.id, requestId, sink).catch((error) => onError(error, { stage: "release" }));
    });
    const attached = await calls.followLive(c.get("caller"), agent.id, requestId, afterSeq, sink);
    if (attached === "not_found") {
      throw new ApiError(
        404,
        "request_not_found",
        `No running call ${requestId} of yours; it ended more than the resume window ago, or never existed.`,
      );
    }
    if (attached === "gap") {
      throw new ApiError(
        410,
        "resume_gap",
        "The chunks after that Last-Event-ID are no longer kept; start the call again.",
      );
    }
    return new Response(body, { headers: extended(SSE_HEADERS, { "x-agent-mesh-request-id": requestId }) });
  })
  .delete("/v1/agents/:ref/messages/:request_id", requireAuth("call"), async (c) => {
    const { calls } = c.get("services");
    const agent = await calls.resolveAgent(c.get("caller"), c.req.param("ref"));
    const requestId = c.req.param("request_id");
    if (!(await calls.cancelLive(c.get("caller"), agent.id, requestId))) {
      throw new ApiError(404, "request_not_found", `No running call ${requestId} of yours to stop.`);
    }
    return c.json({ request_id: requestId, canceled: true });
  });

/** `https://host:port` of an absolute URL, without the cost of parsing it (this runs on every call). */
function originOf(url: string): string {
  const end = url.indexOf("/", url.indexOf("//") + 2);
  return end === -1 ? url : url.slice(0, end);
}
