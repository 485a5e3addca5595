/**
 * Whether a networked store (redis, upstash) can be reached, so an outage becomes a fast, clear error instead of
 * requests that hang on a dead connection. While the store is down every operation fails at once with
 * `store_unavailable`; a probe (PING) runs every `probeIntervalMs` and the first answer brings the store back.
 * One log line when the store goes away and one when it returns, never one per failed request.
 * @module
 */
import { StoreError } from "./_errors.ts";
import type { StoreHealth } from "./types.ts";

export interface AvailabilityOptions {
  /** What is down, for messages and logs: e.g. `redis at 127.0.0.1:6379`. */
  what: string;
  /** One cheap round trip (PING); resolves when the store answers. */
  probe(): Promise<unknown>;
  /** Longest wait for one operation before the store counts as unreachable. Default 1500 ms. */
  timeoutMs?: number;
  probeIntervalMs?: number;
  log?: (line: string) => void;
}

export interface Availability {
  /** Runs one operation; outages (as judged by `isOutage`) and timeouts become `store_unavailable`. */
  guard<T>(run: () => Promise<T>, isOutage: (error: unknown) => boolean): Promise<T>;
  /** The connection dropped (e.g. ioredis `close`). */
  markDown(cause?: unknown): void;
  /** The connection is back (e.g. ioredis `ready`). */
  markUp(): void;
  health(): StoreHealth;
  dispose(): void;
}

export function createAvailability(options: AvailabilityOptions): Availability {
  const timeoutMs = options.timeoutMs ?? 1500;
  const probeIntervalMs = options.probeIntervalMs ?? 250;
  const log = options.log ?? ((line: string) => console.warn(line));
  let downSince: number | null = null;
  let lastCause = "";
  let probing: ReturnType<typeof setInterval> | null = null;
  let probeInFlight = false;
  let disposed = false;

  const unavailable = (cause?: unknown): StoreError =>
    new StoreError(
      "store_unavailable",
      `the session store (${options.what}) is unreachable${lastCause ? ` (${lastCause})` : ""}; ` +
        "requests are refused until it answers again",
      { cause },
    );

  const stopProbing = () => {
    if (probing !== null) clearInterval(probing);
    probing = null;
  };

  const availability: Availability = {
    markDown(cause) {
      if (disposed) return;
      if (cause !== undefined) lastCause = describe(cause);
      if (downSince !== null) return;
      downSince = Date.now();
      log(
        `[gateway] [store] lost the session store (${options.what})${lastCause ? `: ${lastCause}` : ""}; ` +
          "answering 503 store_unavailable until it is back",
      );
      probing = setInterval(() => {
        if (probeInFlight) return;
        probeInFlight = true;
        withTimeout(options.probe(), timeoutMs)
          .then(() => availability.markUp())
          .catch((error) => (lastCause = describe(error)))
          .finally(() => (probeInFlight = false));
      }, probeIntervalMs);
      // A probe must never keep a process alive on its own.
      (probing as { unref?: () => void }).unref?.();
    },
    markUp() {
      if (downSince === null) return;
      const seconds = ((Date.now() - downSince) / 1000).toFixed(1);
      downSince = null;
      lastCause = "";
      stopProbing();
      if (!disposed) log(`[gateway] [store] the session store (${options.what}) is back after ${seconds} s`);
    },
    async guard(run, isOutage) {
      if (downSince !== null) throw unavailable();
      try {
        return await withTimeout(run(), timeoutMs);
      } catch (error) {
        if (!(error instanceof TimeoutError) && !isOutage(error)) throw error;
        availability.markDown(error);
        throw unavailable(error);
      }
    },
    health() {
      if (downSince === null) return { state: "up" };
      return {
        state: "unavailable",
        since: new Date(downSince).toISOString(),
        message: `${options.what} is unreachable${lastCause ? ` (${lastCause})` : ""}`,
      };
    },
    dispose() {
      disposed = true;
      stopProbing();
    },
  };
  return availability;
}

class TimeoutError extends Error {}

/**
 * A timer that fires this much later than it was due means this process did not run for a while (SIGSTOP, a paused
 * VM, a starved CPU, a long GC pause): the store's answer may be sitting unread in the socket, and on waking the
 * timer can run before the socket is read. Such a wait is not a timeout; it starts again, so the store is judged on
 * a wait in which this process was running.
 */
const STALLED_MS = 250;
/** How many stalled waits one operation gets before it times out anyway (a process starved for good). */
const MOST_STALLED_WAITS = 4;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const wait = (stalledWaits: number) => {
      const due = performance.now() + ms;
      timer = setTimeout(() => {
        const stalled = performance.now() - due > STALLED_MS;
        if (stalled && stalledWaits < MOST_STALLED_WAITS) wait(stalledWaits + 1);
        else reject(new TimeoutError(`no answer within ${ms} ms`));
      }, ms);
    };
    wait(0);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
