/**
 * The agent's side of cluster relaying, on the node that holds the agent's socket: runs calls sent from other
 * nodes' inboxes through the local home, writes each request's acknowledgement (accepted with the call, or the
 * refusal) and its output into the shared log, and takes over requests a connector still holds when it
 * reconnects here after its node died (their output continues in the same log, by seq, so callers elsewhere see
 * each chunk once).
 * @module
 */

import { ApiError, errors, refusalStatus, storeMayTakeItLater, storeRefusal } from "../errors.ts";
import type { PromptAnswer } from "../protocol/index.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";
import { liveCallLimits, PendingRequest } from "../relay/pending.ts";
import { type CallOwner, mayReach, type RelayCall, type RelaySink } from "../relay/types.ts";
import { LiveCallAnswers } from "./live-call-answers.ts";
import { logSink } from "./log-sink.ts";
import type { RedisCaller } from "./presence.ts";
import { logIdOf, type RequestLog } from "./request-log.ts";

export type Ack =
  /** `follower`: the node whose callers follow a live call (a node that takes the call over watches it too). */
  | { ok: true; user: string; call: RelayCall; follower?: string }
  | { ok: false; status: number; code: string; message: string };

/** What the caller's node needs of an acknowledgement: go on and follow the log, or the refusal to answer with. */
export type AckOutcome = { ok: true } | Extract<Ack, { ok: false }>;

/** An acknowledgement's wake-up carries its outcome after this (older nodes published "ack": read the key). */
const ACK_WAKE = "ack:";

/** The wake-up message of an acknowledgement. */
export const ackWake = (ack: Ack): string => ACK_WAKE + JSON.stringify(ack.ok ? { ok: true } : ack);

/** The outcome a wake-up message carries, or null when it is no acknowledgement's (or an older node's). */
export function ackOutcomeOf(message: string): AckOutcome | null {
  if (!message.startsWith(ACK_WAKE)) return null;
  try {
    const outcome = JSON.parse(message.slice(ACK_WAKE.length)) as AckOutcome;
    return outcome.ok === true || outcome.ok === false ? outcome : null;
  } catch {
    return null;
  }
}

/** Acknowledgements outlive any request (tasks can run for hours); they are small. */
const ACK_TTL_MS = 24 * 60 * 60 * 1000;
/** A refusal's ack is retried for about 1.5 s, within the caller's 2 s wait (`ackTimeoutMs`). */
const REFUSAL_ATTEMPTS = 6;
const REFUSAL_RETRY_MS = 250;

export class AgentSide {
  readonly #local: LocalAgentHome;
  readonly #redis: RedisCaller;
  readonly #log: RequestLog;
  readonly #prefix: string;
  readonly #syncTimeoutMs: number;
  readonly #report: (error: unknown, stage: string) => void;
  /** Answers to live calls' prompts, kept as long as the calls' acknowledgements (read when a call is adopted here). */
  readonly answers: LiveCallAnswers;
  /**
   * Requests served here whose output goes to the log. `caller` stands for the callers on other nodes (released
   * and re-attached as they come and go, so an abandoned call is canceled as on one node); `log` is an owner of
   * the request, so the log gets all output whether or not a caller is following. `follower` is the node whose
   * callers follow a live call (null once they left): if that node dies, its callers are gone without a release.
   * `adopted`: a request this node took over from another (`adopt`), which an answer can reach before the agent's
   * socket is linked here.
   */
  readonly #served = new Map<
    string,
    {
      agentId: string;
      caller: RelaySink;
      log: RelaySink;
      muted: boolean;
      follower: string | null;
      adopted: PendingRequest | null;
    }
  >();

  readonly #onClaimed: (agentId: string, held: string[], epoch: number | null) => void;

  constructor(options: {
    /** Another node claimed the agent (at `epoch`, null from nodes of an earlier version); `held`: what it continues. */
    onClaimed: (agentId: string, held: string[], epoch: number | null) => void;
    local: LocalAgentHome;
    redis: RedisCaller;
    log: RequestLog;
    prefix: string;
    syncTimeoutMs: number;
    report: (error: unknown, stage: string) => void;
  }) {
    this.#local = options.local;
    this.#onClaimed = options.onClaimed;
    this.#redis = options.redis;
    this.#log = options.log;
    this.#prefix = options.prefix;
    this.#syncTimeoutMs = options.syncTimeoutMs;
    this.#report = options.report;
    this.answers = new LiveCallAnswers({ ...options, ttlMs: ACK_TTL_MS });
  }

  #ackKey = (requestId: string) => `${this.#prefix}cluster:ack:${requestId}`;
  /**
   * Registers a request served here, its output going to the log `logId` (`logIdOf` its call); returns the sink that
   * stands for its remote callers.
   */
  #serve(agentId: string, requestId: string, logId: string, afterSeq = 0): RelaySink {
    const caller: RelaySink = { chunk() {}, done() {}, error() {} };
    const writer = logSink(this.#log, logId, (error) => this.#report(error, "cluster-log"), afterSeq);
    // A muted request was taken over by another node: this node must not write into its log any more. Forgotten
    // once it ends (unless a later delivery of the task took its place): later release/attach commands for it have
    // nothing left to do.
    const forget = () => {
      if (this.#served.get(requestId) === entry) this.#served.delete(requestId);
    };
    const log: RelaySink = {
      chunk: (seq, kind, delta) => {
        if (!entry.muted) writer.chunk(seq, kind, delta);
      },
      gap: (afterSeq, nextSeq) => {
        if (!entry.muted) writer.gap?.(afterSeq, nextSeq);
      },
      done: (frame) => {
        if (!entry.muted) writer.done(frame);
        forget();
      },
      error: (code, message) => {
        if (!entry.muted) writer.error(code, message);
        forget();
      },
      // A task's delivery went back to the queue: its followers elsewhere hear so from its log, and follow the next
      // delivery's log once it starts.
      requeued: () => {
        if (!entry.muted) writer.error("task_requeued", "The task went back to the queue.");
        forget();
      },
    };
    const entry = {
      agentId,
      caller,
      log,
      muted: false,
      follower: null as string | null,
      adopted: null as PendingRequest | null,
    };
    this.#served.set(requestId, entry);
    return caller;
  }

  /**
   * Another node took the agent over. Requests it continues (`heldThere`, or all of them when unknown) stop
   * writing here; the others fail here as the agent lost them, which reaches their callers through the log.
   */
  handOver(agentId: string, heldThere: string[] | null): void {
    for (const [requestId, entry] of this.#served) {
      if (entry.agentId !== agentId) continue;
      if (heldThere !== null && !heldThere.includes(requestId)) {
        entry.log.error(
          "agent_offline",
          "The agent restarted on another gateway node and lost this request.",
        );
      }
      entry.muted = true;
    }
  }

  async readAck(requestId: string): Promise<Ack | null> {
    const raw = await this.#redis.call("GET", this.#ackKey(requestId));
    return raw ? (JSON.parse(String(raw)) as Ack) : null;
  }

  async #writeAck(requestId: string, ack: Ack): Promise<void> {
    const script =
      "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) redis.call('PUBLISH', ARGV[3], ARGV[4]) return 1";
    await this.#redis.call(
      "EVAL",
      script,
      1,
      this.#ackKey(requestId),
      JSON.stringify(ack),
      ACK_TTL_MS,
      this.#log.channel(requestId),
      ackWake(ack),
    );
  }

  /**
   * Tells the caller's node why its call failed. When Redis blinked (the usual reason for a failed dispatch), tries
   * again while that node still waits for the answer: without it, the caller would hear `agent_offline` at its
   * timeout instead of the outage.
   */
  async #writeRefusal(requestId: string, refusal: Ack): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#writeAck(requestId, refusal);
      } catch (error) {
        if (attempt >= REFUSAL_ATTEMPTS || !storeMayTakeItLater(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, REFUSAL_RETRY_MS));
      }
    }
  }

  /**
   * Runs a live call on the local agent with its output to the log, for callers on node `follower`; throws
   * agent_offline / agent_busy.
   */
  async dispatch(call: RelayCall, follower: string | null): Promise<void> {
    const caller = this.#serve(call.agentId, call.requestId, logIdOf(call));
    try {
      await this.#local.dispatch(call, caller);
    } catch (error) {
      this.#served.delete(call.requestId);
      throw error;
    }
    this.#served.get(call.requestId)!.follower = follower;
    try {
      await this.#writeAck(call.requestId, {
        ok: true,
        user: call.user,
        call,
        ...(follower ? { follower } : {}),
      });
    } catch (error) {
      // Redis went away between the inbox read and the ack: the caller is told the call failed, so the agent
      // must not go on running it for nobody.
      await this.#local.cancel(call.agentId, call.requestId);
      throw error;
    }
  }

  /** A request went out to the local agent: a task's output goes to the log too, for followers elsewhere. */
  requestSent(pending: PendingRequest): void {
    const { call } = pending;
    const served = this.#served.get(call.requestId);
    if (!pending.isTask) {
      if (served) pending.addOwner(served.log); // a live call dispatched through `dispatch`
      return;
    }
    // Each delivery of a task has a log of its own; an earlier one still registered here gives way.
    this.#serve(call.agentId, call.requestId, logIdOf(call), pending.lastSeq);
    pending.addOwner(this.#served.get(call.requestId)!.log);
    this.#writeAck(call.requestId, { ok: true, user: call.user, call }).catch((e) =>
      this.#report(e, "cluster-ack"),
    );
  }

  /** A connector reconnected here holding requests this node never saw: continue those whose call is known. */
  async adopt(agentId: string, held: Array<{ id: string; seq: number }>): Promise<PendingRequest[]> {
    const adopted: PendingRequest[] = [];
    for (const { id } of held) {
      const ack = await this.readAck(id);
      if (!ack?.ok || ack.call.agentId !== agentId) continue;
      const logId = logIdOf(ack.call);
      const lastSeq = await this.#log.lastSeq(logId);
      const limits = liveCallLimits(ack.call, this.#syncTimeoutMs, Date.now());
      const pending = new PendingRequest(ack.call, this.#serve(agentId, id, logId, lastSeq), limits);
      pending.lastSeq = lastSeq;
      // Prompts it asked on the node it left are open here too, and answers given since are sent on resume.
      pending.replayPermissions((await this.#log.permissions(logId)).deltas);
      for (const answer of await this.answers.kept(id)) pending.keepAnswer(answer);
      const served = this.#served.get(id)!;
      pending.addOwner(served.log);
      served.follower = ack.follower ?? null; // watched here from now on (see releaseAbandoned)
      served.adopted = pending;
      adopted.push(pending);
    }
    return adopted;
  }

  async release(agentId: string, requestId: string): Promise<void> {
    const served = this.#served.get(requestId);
    if (!served) return;
    served.follower = null;
    await this.#local.release(agentId, requestId, served.caller);
  }

  /**
   * A caller on node `follower` follows the request again: it must not be canceled as abandoned. The ack names
   * that node now, so a node that takes the call over later watches the right one.
   */
  async reattach(agentId: string, requestId: string, user: string, follower: string | null): Promise<void> {
    const served = this.#served.get(requestId);
    if (!served) return;
    const attached = await this.#local.attach(agentId, requestId, { user, afterSeq: 2 ** 31 }, served.caller);
    if (attached !== "attached") return;
    const previous = served.follower;
    served.follower = follower;
    const ack = await this.readAck(requestId);
    if (ack?.ok && follower && previous !== follower) await this.#writeAck(requestId, { ...ack, follower });
  }

  /**
   * Live calls whose callers' node died (no heartbeat, see `ClusterPresence.liveNodes`) without releasing them:
   * released here as if their callers had left, so each runs on for the resume window (a caller may re-attach
   * through any node) and is then canceled, instead of running to its end for nobody.
   */
  async releaseAbandoned(liveNodes: (nodes: string[]) => Promise<Set<string>>): Promise<void> {
    const followers = new Set<string>();
    for (const entry of this.#served.values()) if (entry.follower) followers.add(entry.follower);
    if (followers.size === 0) return;
    const live = await liveNodes([...followers]);
    for (const [requestId, entry] of this.#served) {
      if (!entry.follower || entry.muted || live.has(entry.follower)) continue;
      await this.release(entry.agentId, requestId);
    }
  }

  /** Handles one command from another node's inbox. */
  handle(command: Record<string, unknown>): void {
    const agentId = String(command.agentId);
    const requestId = String(command.requestId);
    const run = async () => {
      switch (command.type) {
        case "dispatch": {
          const call = command.call as RelayCall;
          try {
            await this.dispatch(call, nodeOf(command.from));
          } catch (error) {
            const api = asRefusal(error, call.agentName);
            const refusal: Ack = { ok: false, status: api.status, code: api.code, message: api.message };
            await this.#writeRefusal(call.requestId, refusal);
          }
          return;
        }
        case "attach":
          return this.reattach(agentId, requestId, String(command.user), nodeOf(command.from));
        case "release":
          return this.release(agentId, requestId);
        case "cancel":
          return this.#local.cancel(agentId, requestId);
        case "answer": {
          const fromAgent = typeof command.fromAgent === "string" ? command.fromAgent : undefined;
          const who: CallOwner = { user: String(command.user), fromAgent };
          const answer = command.answer as PromptAnswer;
          if ((await this.#local.answer(agentId, requestId, who, answer)) !== "not_found") return;
          // Sent while this node takes the request over (after it read the kept answers, before the agent's socket
          // is linked): kept with the request, which sends it after `welcome`.
          const adopted = this.#served.get(requestId)?.adopted;
          if (adopted && mayReach(who, adopted.call)) adopted.answerPrompt(null, answer);
          return;
        }
        case "taskQueued":
          return this.#local.taskQueued(agentId, String(command.taskId));
        case "disconnectToken":
          return this.#local.disconnectToken(String(command.tokenId));
        case "disconnectAgent":
          return this.#local.disconnectAgent(agentId);
        case "claimed":
          return this.#onClaimed(agentId, command.held as string[], Number(command.epoch) || null);
      }
    };
    run().catch((error) => this.#report(error, `cluster-${String(command.type)}`));
  }
}

/** The sending node of an inbox command (absent from nodes of an earlier version: then nobody is watched). */
function nodeOf(from: unknown): string | null {
  return typeof from === "string" && from !== "" ? from : null;
}

/**
 * Why a dispatch failed, for the caller's node: the gateway's own refusals as they are, a store refusal as its 503
 * or 507 (`store_unavailable`, `store_full`: the caller should retry, the agent is fine), anything else as the agent
 * being offline.
 */
function asRefusal(error: unknown, agentName: string): ApiError {
  if (error instanceof ApiError) return error;
  const refusal = storeRefusal(error);
  return refusal
    ? new ApiError(refusalStatus(refusal.code), refusal.code, refusal.message)
    : errors.agentOffline(agentName);
}
