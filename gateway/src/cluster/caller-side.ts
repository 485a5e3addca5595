/**
 * The caller's side of cluster relaying, on the node that took the HTTP call: wait for the agent's node to accept
 * it, then follow the request's log into the caller's sink (keepalives while the agent is silent, a clean
 * `agent_offline` when the node running the request is gone and nobody took it over within the grace window).
 * @module
 */
import type { RelaySink } from "../relay/types.ts";
import { type Ack, type AckOutcome, ackOutcomeOf } from "./agent-side.ts";
import type { ClusterPresence } from "./presence.ts";
import { isEnding, type LogEntry, type RequestLog, type WakeSubscribe } from "./request-log.ts";

/** Hands one entry of a request's log to a caller's sink. */
function deliver(entry: LogEntry, sink: RelaySink): void {
  if (entry.type === "chunk") sink.chunk(entry.seq, entry.kind, entry.delta);
  else if (entry.type === "gap") sink.gap?.(entry.after, entry.seq + 1);
  else if (entry.type === "done") sink.done(entry.frame);
  else sink.error(entry.code, entry.message);
}

/**
 * A re-attaching caller's first look at the request's log (`logId`, after `afterSeq`): `gap` when what follows is no
 * longer kept; `requeued` when it was a task's delivery that went back to the queue (its output is not the task's any
 * more, and the next delivery has not been acknowledged yet); `ended` once the rest and the ending were handed to
 * `sink`; `live` when the request goes on, to be followed.
 */
export async function replayEnded(
  log: RequestLog,
  logId: string,
  afterSeq: number,
  sink: RelaySink,
): Promise<"gap" | "requeued" | "ended" | "live"> {
  const rest = await log.read(logId, afterSeq);
  if (rest === "gap") return "gap";
  const last = rest[rest.length - 1];
  if (last?.type === "error" && last.code === "task_requeued") return "requeued";
  if (!last || !isEnding(last)) return "live";
  for (const entry of rest) deliver(entry, sink);
  return "ended";
}

/**
 * Waits for the agent's node to accept or refuse a call; null when it does not answer in time. The acknowledgement's
 * wake-up says how it went, so the key is read only when that wake-up has not come (lost, or not yet subscribed).
 */
export async function awaitAck(
  read: () => Promise<Ack | null>,
  subscribe: WakeSubscribe,
  channel: string,
  timeoutMs: number,
): Promise<AckOutcome | null> {
  const deadline = Date.now() + timeoutMs;
  let told: AckOutcome | null = null;
  let wake: () => void = () => {};
  const unsubscribe = subscribe(channel, (message) => {
    told ??= ackOutcomeOf(message);
    wake();
  });
  try {
    while (Date.now() < deadline) {
      const ack = told ?? (await read()) ?? told;
      if (ack) return ack;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return null;
  } finally {
    unsubscribe();
  }
}

export interface FollowDeps {
  log: RequestLog;
  presence: ClusterPresence;
  subscribe: WakeSubscribe;
  keepaliveMs: number;
  graceMs: number;
}

/**
 * Feeds the request's log (`logId`, after `afterSeq`) into `sink` until it ends; `onStop` runs once it stops. `node`
 * runs the request (watched: the caller hears `agent_offline` if it goes away and nobody takes the request over).
 */
export function followRequest(
  deps: FollowDeps,
  request: { node: string; agentId: string; logId: string; afterSeq: number },
  sink: RelaySink,
  onStop: () => void,
): { stop(): void } {
  const { agentId } = request;
  let node = request.node;
  let quietSince = Date.now();
  let homeLostAt: number | null = null;
  const keepalive = setInterval(() => {
    if (Date.now() - quietSince >= deps.keepaliveMs) {
      quietSince = Date.now();
      sink.keepalive?.();
    }
    // The node running the request died or lost the agent: once the agent has been away from it for the grace
    // window (it would have come back there by then), the caller gets a clean agent_offline instead of silence.
    deps.presence
      .homes([agentId])
      .then((homes) => {
        const now = homes.get(agentId)?.node;
        if (now === node) homeLostAt = null;
        else if (now && homeLostAt !== null && Date.now() - quietSince < deps.graceMs) node = now;
        else if (homeLostAt === null) homeLostAt = Date.now();
        else if (Date.now() - homeLostAt > deps.graceMs) {
          stop();
          sink.error("agent_offline", "The agent's gateway node went away while it was answering.");
        }
      })
      .catch(() => {});
  }, deps.keepaliveMs);
  const following = deps.log.follow(
    request.logId,
    request.afterSeq,
    deps.subscribe,
    (entry) => {
      quietSince = Date.now();
      homeLostAt = null; // output flows: whichever node writes it (one that took the request over) is fine
      if (isEnding(entry)) stop();
      deliver(entry, sink);
    },
    {
      onGap: () => {
        stop();
        sink.error("resume_gap", "Part of this request's output is no longer kept.");
      },
    },
  );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(keepalive);
    following.stop();
    onStop();
  };
  return { stop };
}
