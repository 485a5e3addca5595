/**
 * A message to an agent that is a person's interactive session (`agent-mesh claude --as` and the like: online
 * through its inbox, no connector): asked in its inbox, and the person's reply is the answer, in the shape a
 * served agent's answer has (JSON `{ result, session_id, attachments }`, or SSE `chunk` then `done`). A caller
 * never needs to know which kind of agent it reached. There is no session (an ask is one question) and no request
 * to re-attach to; a caller that leaves stops the wait, and its ask stays in the inbox.
 */
import type { Context } from "hono";
import type { AgentRecord } from "../domain/agents.ts";
import { askUnanswered, type Sender } from "../domain/inbox.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { createSseSink } from "../relay/caller-sinks.ts";
import { extended } from "../util/extended.ts";
import { SSE_HEADERS } from "../util/sse.ts";

/** Waits for the reply as long as a served agent's answer is waited for (`AGENT_MESH_SYNC_TIMEOUT_MS`). */
export async function askSession<E extends GatewayEnv>(
  c: Context<E>,
  agent: AgentRecord,
  from: Sender,
  message: string,
): Promise<Response> {
  const { inbox, config } = c.get("services");
  const seconds = Math.round(config.syncTimeoutMs / 1000);
  const { ask, reply } = await inbox.ask(agent, from, message, config.syncTimeoutMs, c.req.raw.signal);
  if (!reply) throw askUnanswered(agent, ask, seconds);
  return c.json({ result: reply.text, session_id: "", attachments: [], ask_id: ask.id });
}

/**
 * The same as an SSE stream: a `status` chunk saying where the message went, keepalives while the person
 * thinks, then `done` with the reply (or `error ask_timeout`). Refusals of the ask itself (a full inbox, a message
 * too large) are answered as HTTP errors before the stream starts, as a served agent's are.
 */
export async function streamSessionAsk<E extends GatewayEnv>(
  c: Context<E>,
  agent: AgentRecord,
  from: Sender,
  message: string,
): Promise<Response> {
  const { inbox, config, onError, unread } = c.get("services");
  const seconds = Math.round(config.syncTimeoutMs / 1000);
  const ask = await inbox.send(agent, from, { text: message, kind: "ask" });
  const left = new AbortController();
  const { sink, body } = createSseSink("", unread, () => left.abort());
  sink.chunk(
    1,
    "status",
    `${agent.name} is a person's interactive session: asked in its inbox, waiting up to ${seconds} s for the reply`,
  );
  const keepalive = setInterval(() => sink.keepalive?.(), config.keepaliveMs);
  const answer = async () => {
    try {
      const reply = await inbox.awaitReply(ask.id, config.syncTimeoutMs, left.signal);
      if (reply) sink.done({ type: "done", id: ask.id, seq: 2, result: reply.text });
      else sink.error("ask_timeout", askUnanswered(agent, ask, seconds).message);
    } catch (error) {
      onError(error, { stage: "session-ask" });
      sink.error("internal_error", `The wait for ${agent.name}'s reply failed; the ask stays in its inbox.`);
    } finally {
      clearInterval(keepalive);
    }
  };
  void answer();
  return new Response(body, { headers: extended(SSE_HEADERS, { "x-agent-mesh-ask-id": ask.id }) });
}
