/**
 * The connector's status lines on stdout (a terminal, or the log file of a background connector). Connection
 * events are written at once; per-request lines are gathered and written together a moment later, so a busy
 * connector makes one write per `flushMs` instead of two per request (and whoever reads the output wakes up
 * once, not thousands of times a second). Anything pending is written before the process exits.
 * @module
 */

export interface StatusLog {
  /** Writes the line now (with whatever was pending before it, in order). */
  now(line: string): void;
  /** Writes the line with the next batch. */
  soon(line: string): void;
}

const MAX_PENDING = 64 * 1024;

export function createStatusLog(
  write: (text: string) => void = (text) => process.stdout.write(text),
  flushMs = 50,
): StatusLog {
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const text = pending;
    pending = "";
    write(text);
  };
  process.on("exit", flush);
  const add = (line: string) => {
    pending += `[${new Date().toISOString()}] ${line}\n`;
  };
  return {
    now(line) {
      add(line);
      flush();
    },
    soon(line) {
      add(line);
      if (pending.length >= MAX_PENDING) flush();
      else timer ??= setTimeout(flush, flushMs);
    },
  };
}
