/**
 * `durableObjectHub`: the `AgentHub` of the Worker. Each agent's socket lives in its own `AgentObject`
 * (`idFromName(agentId)`); the hub forwards calls there and turns the object's NDJSON answer back into sink calls.
 * Presence and revocation are answered from the store (runtimes/cloudflare/presence.ts), so neither wakes idle
 * objects.
 */
import { ApiError, errors } from "../../gateway/src/errors.ts";
import type { AgentHub, RelayCall, RelaySink } from "../../gateway/src/relay/types.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import type { AgentObject } from "./agent-object.ts";
import { agentsOfToken, presenceKey } from "./presence.ts";
import { type EventPump, ObjectRoute, pumpEvents } from "./relay-wire.ts";

export function durableObjectHub(
  namespace: DurableObjectNamespace<AgentObject>,
  store: SessionStore,
): AgentHub {
  const stub = (agentId: string) => namespace.get(namespace.idFromName(agentId));
  /** Streams being pumped, by the sink they feed, so `release` can stop one. */
  const pumps = new Map<RelaySink, EventPump>();

  function pump(body: ReadableStream<Uint8Array>, sink: RelaySink): void {
    const events = pumpEvents(body, sink);
    pumps.set(sink, events);
    // Not awaited: the caller's response streams while the agent answers.
    events.done.finally(() => pumps.delete(sink));
  }

  /** The object's refusal (the same ApiError the local home throws), rethrown here. */
  async function refusal(res: Response): Promise<ApiError | null> {
    const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
    return body?.error ? new ApiError(res.status as 503, body.error.code, body.error.message) : null;
  }

  async function post(agentId: string, route: string, body: unknown): Promise<Response> {
    return stub(agentId).fetch(route, { method: "POST", body: JSON.stringify(body) });
  }

  async function command(agentId: string, route: string, body: unknown): Promise<void> {
    const res = await post(agentId, route, body);
    if (!res.ok) throw new Error(`agent object ${agentId} answered ${res.status} to ${route}`);
  }

  return {
    async isOnline(agentIds) {
      // One call to the store's Durable Object for the whole list (a listing asks about a page of agents).
      const records = await store.getMany(agentIds.map(presenceKey));
      return new Map(agentIds.map((id, i) => [id, records[i] !== null]));
    },

    async dispatch(call: RelayCall, sink: RelaySink) {
      const res = await post(call.agentId, ObjectRoute.relay, call);
      if (!res.ok || !res.body) throw (await refusal(res)) ?? errors.agentOffline(call.agentName);
      pump(res.body, sink);
    },

    async attach(agentId, requestId, follower, sink) {
      const res = await post(agentId, ObjectRoute.attach, { agentId, requestId, ...follower });
      if (res.status === 404) return "not_found";
      if (res.status === 410) return "gap";
      if (!res.ok || !res.body) throw (await refusal(res)) ?? new Error(`attach answered ${res.status}`);
      pump(res.body, sink);
      return res.headers.get("x-attach") === "ended" ? "ended" : "attached";
    },

    async answer(agentId, requestId, who, answer) {
      const res = await post(agentId, ObjectRoute.answer, { agentId, requestId, answer, ...who });
      if (!res.ok) throw (await refusal(res)) ?? new Error(`answer answered ${res.status}`);
      return ((await res.json()) as { outcome: "sent" | "not_found" | "unsupported" }).outcome;
    },

    async release(_agentId, _requestId, sink) {
      pumps.get(sink)?.stop();
    },

    cancel: (agentId, requestId) => command(agentId, ObjectRoute.cancel, { agentId, requestId }),
    taskQueued: (agentId, taskId) => command(agentId, ObjectRoute.taskQueued, { agentId, taskId }),
    disconnectAgent: (agentId) => command(agentId, ObjectRoute.disconnectAgent, { agentId }),

    async disconnectToken(tokenId) {
      const agentIds = await agentsOfToken(store, tokenId);
      await Promise.all(
        agentIds.map((agentId) => command(agentId, ObjectRoute.disconnectToken, { agentId, tokenId })),
      );
    },
  };
}
