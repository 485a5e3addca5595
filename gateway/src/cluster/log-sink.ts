/**
 * The agent's side of a cross-node request: a `RelaySink` that writes what the agent sends into the request's log
 * (`request-log.ts`), one append after the other so entries reach Redis in seq order. An `error` has no seq of its
 * own from the agent; it takes the next one after the last chunk. While Redis is unreachable, appends wait and retry
 * (in order) for up to 30 s, so a Redis restart delays the output instead of cutting a hole in it.
 * @module
 */
import type { DoneFrame } from "../protocol/index.ts";
import type { RelaySink } from "../relay/types.ts";
import type { LogEntry, LogWriter, RequestLog } from "./request-log.ts";

export function logSink(
  log: RequestLog,
  requestId: string,
  onError: (error: unknown) => void,
  afterSeq = 0,
): RelaySink {
  let lastSeq = afterSeq;
  let chain: Promise<unknown> = Promise.resolve();
  const writer = log.writer(requestId);
  const append = (entry: LogEntry) => {
    chain = chain.then(() => appendWhileRedisReturns(writer, entry)).catch(onError);
  };
  return {
    chunk(seq, kind, delta) {
      lastSeq = Math.max(lastSeq, seq);
      append({ type: "chunk", seq, kind, delta });
    },
    gap(afterSeq, nextSeq) {
      lastSeq = Math.max(lastSeq, nextSeq - 1);
      append({ type: "gap", seq: nextSeq - 1, after: afterSeq });
    },
    done(frame: DoneFrame) {
      lastSeq = Math.max(lastSeq + 1, frame.seq);
      append({ type: "done", seq: lastSeq, frame });
    },
    error(code, message) {
      lastSeq += 1;
      append({ type: "error", seq: lastSeq, code, message });
    },
  };
}

const RETRY_FOR_MS = 30_000;

async function appendWhileRedisReturns(writer: LogWriter, entry: LogEntry): Promise<void> {
  const giveUpAt = Date.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      await writer.append(entry);
      return;
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
