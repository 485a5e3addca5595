/**
 * Following a task's current turn for a door (a `/v1` task stream, A2A SubscribeToTask, a blocking SendMessage):
 * the chunks of the delivery running now, the wait while the task is queued or between deliveries, and its end.
 * A follower polls the store; a state saved in this process wakes it at once (`changed`), since on Workers and in
 * a cluster the change can happen where nothing else would tell it.
 */
import type { ChunkKind } from "../protocol/index.ts";
import type { AgentHub, RelaySink } from "../relay/types.ts";
import { extended } from "../util/extended.ts";
import type { Caller } from "./caller.ts";
import { isTerminal, requestIdOf, type TaskRecord, type TaskService } from "./tasks.ts";

/** What a door hears while it follows a task's current turn. */
export interface TaskFollower {
  /** The turn is running on the agent; chunks follow. Called again if it is re-delivered. */
  running?(task: TaskRecord): void;
  chunk(seq: number, kind: ChunkKind, delta: string): void;
  /** Chunks between these seqs never reached the gateway (`RelaySink.gap`). */
  gap?(afterSeq: number, nextSeq: number): void;
  /** The turn ended (also at once when it had already ended): the task as it now stands. */
  end(task: TaskRecord): void;
  /** Nothing happened for a while; streams send a keepalive. */
  keepalive?(): void;
}

export interface TaskFollowingDeps {
  tasks: TaskService;
  hub: AgentHub;
  keepaliveMs: number;
  onError(error: unknown, context: { stage: string }): void;
}

/**
 * Failed looks in a row (the store or the agent's home unreachable) before a follower gives up on a task; with
 * the pauses between them, some seconds.
 */
const MAX_FAILED_LOOKS = 12;

export function createTaskFollowing(deps: TaskFollowingDeps) {
  /** Followers of each task waiting for its next state change in this process (see `changed`). */
  const waiting = new Map<string, Set<() => void>>();

  /**
   * Follows the current turn of a task until it ends: replays the chunks after `afterSeq` if it is running,
   * waits (polling the store) while it is queued or between deliveries, and ends at once if it already ended.
   * Chunks of a turn that ran before the gateway restarted are not kept; its ending is (it is in the store).
   */
  function follow(
    caller: Caller,
    task: TaskRecord,
    afterSeq: number,
    follower: TaskFollower,
  ): { stop(): void } {
    let stopped = false;
    let current: { agentId: string; requestId: string; sink: RelaySink } | null = null;
    let lastSeq = afterSeq;
    /** The delivery (`attempts`) told as running: following it again (its link to the agent broke) is not news. */
    let toldRunning: number | null = null;
    let wake: (() => void) | null = null;
    /** Waits `ms`, or less when this process saves a new state of the task (then the store is read again). */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const listeners = waiting.get(task.id) ?? new Set<() => void>();
        waiting.set(task.id, listeners);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(done);
          if (listeners.size === 0 && waiting.get(task.id) === listeners) waiting.delete(task.id);
          resolve();
        };
        const timer = setTimeout(done, ms);
        listeners.add(done);
        wake = done;
      });

    async function run(): Promise<void> {
      let quietSince = Date.now();
      // Polls start short (5 ms) and double: on Workers the state changes in another isolate, so nothing wakes us,
      // and a quick task should not wait a long first pause.
      let idleRounds = 0;
      let failedLooks = 0;
      let lookedAgain = false;
      while (!stopped) {
        let working = false;
        try {
          const now = await deps.tasks.get(task.id);
          if (!now || now.owner !== caller.user) return;
          if (isTerminal(now.status) || requestIdOf(now) !== requestIdOf(task)) return follower.end(now);
          working = now.status === "working";
          if (working) {
            const outcome = await attachOnce(now);
            if (outcome === "ended") return;
            // Broken off: the store holds the turn's ending if it ended, so read it at once (once per pause).
            if (outcome === "broken" && !lookedAgain) {
              lookedAgain = true;
              continue;
            }
          }
          failedLooks = 0;
        } catch (error) {
          // A blip reaching the store or the agent's home (Redis, a Durable Object overloaded or restarting) is
          // not the task's ending: it runs on, so look again after a pause, unless it persists.
          if (++failedLooks >= MAX_FAILED_LOOKS) throw error;
          deps.onError(error, { stage: "follow-task" });
        }
        lookedAgain = false;
        if (Date.now() - quietSince >= deps.keepaliveMs) {
          quietSince = Date.now();
          follower.keepalive?.();
        }
        await pause(Math.min(working ? 200 : 500, 5 * 2 ** idleRounds++));
      }
    }

    /**
     * Follows one delivery of the turn; "again" when it went back to the queue or is not held here (yet);
     * "broken" when it ended with an error, told by the home or by a broken link to it (see `error` below).
     */
    async function attachOnce(now: TaskRecord): Promise<"ended" | "again" | "broken"> {
      let settle!: (value: "ended" | "again" | "broken") => void;
      const settled = new Promise<"ended" | "again" | "broken">((resolve) => {
        settle = resolve;
      });
      const sink: RelaySink = {
        chunk(seq, kind, delta) {
          lastSeq = seq;
          follower.chunk(seq, kind, delta);
        },
        gap(afterSeq, nextSeq) {
          lastSeq = nextSeq - 1;
          follower.gap?.(afterSeq, nextSeq);
        },
        done(frame) {
          settle("ended");
          follower.end(
            extended(now, {
              status: frame.input_required ? ("input-required" as const) : ("completed" as const),
              result: frame.result,
              attachments: frame.attachments ?? [],
              updated_at: new Date().toISOString(),
            }),
          );
        },
        error(code) {
          // Its next delivery starts again from seq 1.
          if (code === "task_requeued") lastSeq = 0;
          // A task's failure or cancel is saved before its followers hear it (`PendingRequest.#announce`), so the
          // store tells it; an error that is not the task's ending (the link to the agent's home broke: a Durable
          // Object reset, a cluster node gone while the task runs on or is taken over, `task_moved`) is not told as
          // one, and the delivery is followed again from the last seq seen.
          settle(code === "task_requeued" ? "again" : "broken");
        },
        keepalive: () => follower.keepalive?.(),
      };
      // Told before attaching: an attach replays the chunks kept so far (and an ending) into the sink at once, and a
      // follower must hear that the delivery is working before its chunks. The store says it is.
      if (toldRunning !== now.attempts) {
        toldRunning = now.attempts;
        follower.running?.(now);
      }
      const requestId = requestIdOf(now);
      const follow = { user: caller.user, afterSeq: lastSeq };
      let result = await deps.hub.attach(now.agent_id, requestId, follow, sink);
      // Chunks it missed are gone (a very long turn): follow from here on rather than not at all.
      if (result === "gap")
        result = await deps.hub.attach(
          now.agent_id,
          requestId,
          extended(follow, { afterSeq: 2 ** 31 }),
          sink,
        );
      if (result !== "attached" && result !== "ended") return "again";
      current = { agentId: now.agent_id, requestId, sink };
      const outcome = await settled;
      current = null;
      return outcome;
    }

    run().catch((error) => {
      deps.onError(error, { stage: "follow-task" });
      if (!stopped)
        follower.end(
          extended(task, {
            status: "failed" as const,
            error: { code: "internal_error", message: "Lost track." },
          }),
        );
    });
    return {
      stop() {
        stopped = true;
        (wake as (() => void) | null)?.();
        const following = current as typeof current;
        if (following)
          deps.hub.release(following.agentId, following.requestId, following.sink).catch(() => {});
      },
    };
  }

  /**
   * A task's state was saved in this process: followers waiting on it look again now. (A follower that finds the
   * turn working but not yet attachable waits a short pause, or until the next change.)
   */
  function changed(task: TaskRecord): void {
    const listeners = waiting.get(task.id);
    if (listeners) for (const wakeUp of [...listeners]) wakeUp();
  }
  return { follow, changed };
}
