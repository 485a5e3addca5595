/**
 * The relaxed lines of the fs journal (`appendRelaxed`: a count whose loss to a power cut is harmless,
 * such as a skill's downloads).
 * They wait in memory until the journal takes them ahead of its next ordinary line, or until `flush` is called for
 * them: at most `RELAXED_FLUSH_MS` after the first of them arrived, or once `RELAXED_MAX_LINES` keys wait.
 *
 * One line is held per key, the latest: replay keeps only a key's last value, so a count of every live call (which
 * writes nothing else) costs a line per token and flush, not a line per call.
 * @module
 */

/** The longest a relaxed line waits for an ordinary one to carry it to the disk. */
export const RELAXED_FLUSH_MS = 1000;
/** Keys whose relaxed lines are held at most before they go out in a batch of their own. */
const RELAXED_MAX_LINES = 1024;

export interface RelaxedLines {
  /** Holds `line`, the latest write of `key`, in place of any line of that key still held. */
  push(key: string, line: string): void;
  /** The lines held, by key, oldest key first; none are held afterwards. */
  take(): ReadonlyMap<string, string>;
  /** Stops the timer (at close, after the journal took what was left). */
  stop(): void;
}

/** What `take` returns when nothing is held: the journal takes at every ordinary line, mostly finding nothing. */
const NONE: ReadonlyMap<string, string> = new Map();

/** `flush` must take the lines (`take`) and get them written. */
export function relaxedLines(flush: () => void): RelaxedLines {
  let lines = new Map<string, string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  // A `take` leaves the timer armed: when it fires it finds nothing, or lines queued since. Clearing and arming it
  // again cost a timer per durable task (each followed its rate-limit count, then a relaxed line): 7–18% of a task's CPU on Deno, whose
  // Node-style timers are dear (two runs taking turns).
  const due = (): void => {
    timer = null;
    if (lines.size > 0) flush();
  };
  return {
    push(key, line) {
      lines.set(key, line);
      if (lines.size >= RELAXED_MAX_LINES) return flush();
      if (timer === null) {
        timer = setTimeout(due, RELAXED_FLUSH_MS);
        // Pending lines must not keep a CLI process alive; the journal's `close` writes them.
        (timer as { unref?: () => void }).unref?.();
      }
    },
    take() {
      if (lines.size === 0) return NONE;
      const taken = lines;
      lines = new Map();
      return taken;
    },
    stop() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
