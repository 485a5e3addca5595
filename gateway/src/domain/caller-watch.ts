/**
 * Notices a caller who leaves an ask (a call whose caller waits for one answer). Most asks end within a few ms,
 * so an ask does not listen on its caller's signal at first: it looks once the ask has run `afterMs`. A caller
 * who left by then cancels it at once; otherwise a listener is attached for the rest of the call.
 *
 * A process that lives between requests (Bun, Deno, Node) does this for every ask from one interval: a timer per
 * ask cost a Bun or Deno round trip 7–12 µs. On Workers each ask keeps a timer of its own, created in its own
 * request's context, because timers and the I/O they start belong to the request that made them.
 */

/**
 * The caller's connection (an HTTP request): its `signal` is read only once the ask is old enough (a Request's
 * signal, on Node, is built on first read).
 */
export interface SignalSource {
  readonly signal: AbortSignal;
}

/** Starts watching one ask's caller; the function returned stops it (call it when the ask ends, however). */
export type CallerWatch = (connection: SignalSource, onLeft: () => void) => () => void;

/** A timer per ask (Workers). */
export function watchEachCaller(afterMs: number): CallerWatch {
  return (connection, onLeft) => {
    let signal: AbortSignal | undefined;
    const timer = setTimeout(() => {
      signal = listen(connection, onLeft);
    }, afterMs);
    return () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onLeft);
    };
  };
}

interface Watched {
  since: number;
  connection: SignalSource;
  onLeft: () => void;
  signal: AbortSignal | undefined;
}

/** One interval for every ask of this process, running only while asks are watched. */
export function watchCallersTogether(afterMs: number): CallerWatch {
  // A Set iterates in insertion order, which is age order: a sweep stops at the first ask younger than `afterMs`.
  const waiting = new Set<Watched>();
  let interval: ReturnType<typeof setInterval> | undefined;
  const sweep = () => {
    const cutoff = Date.now() - afterMs;
    for (const entry of waiting) {
      if (entry.since > cutoff) break;
      waiting.delete(entry);
      entry.signal = listen(entry.connection, entry.onLeft);
    }
    if (waiting.size === 0) {
      clearInterval(interval);
      interval = undefined;
    }
  };
  return (connection, onLeft) => {
    const entry: Watched = { since: Date.now(), connection, onLeft, signal: undefined };
    waiting.add(entry);
    if (interval === undefined) {
      interval = setInterval(sweep, Math.max(10, afterMs / 4));
      // Deno and Node keep a process alive for an interval; an idle gateway must not be held by this one.
      (interval as { unref?: () => void }).unref?.();
    }
    return () => {
      waiting.delete(entry);
      entry.signal?.removeEventListener("abort", onLeft);
    };
  };
}

function listen(connection: SignalSource, onLeft: () => void): AbortSignal {
  const signal = connection.signal;
  if (signal.aborted) onLeft();
  else signal.addEventListener("abort", onLeft, { once: true });
  return signal;
}
