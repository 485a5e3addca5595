/**
 * The output of one relayed request in a cluster, whether its caller and its agent sit on one node or on two
 * (building block of the Redis `AgentHub`). The agent's node appends every chunk to a per-request Redis
 * stream whose entry id IS the chunk's seq (`<seq>-0`), then publishes a wake-up; the caller's node reads the stream
 * after the last seq it delivered. A wake-up carries a small entry along, which a caught-up reader delivers without
 * reading; the stream stays the truth: a lost wake-up (Redis restart, a killed subscriber connection, an
 * output-buffer disconnect) costs at most one poll interval, never a chunk, and since entries are delivered strictly
 * after the last delivered seq, none is delivered twice. A chunk replayed by a reconnecting agent
 * has an id the stream already passed, so Redis refuses it: each seq is stored once.
 *
 * The stream keeps `maxEntries` entries and `maxChars` characters of them, oldest trimmed first (log-retention.ts),
 * the logs a node writes keep `nodeMaxChars` together (log-budget.ts), and each expires `ttlMs` after its last
 * append; a reader that asks for seqs already trimmed away gets `gap`, like a local re-attach that came too late.
 * @module
 */
import type { ChunkKind, DoneFrame } from "../protocol/index.ts";
import type { RelayCall } from "../relay/types.ts";
import { LogBudget } from "./log-budget.ts";
import { LogRetention } from "./log-retention.ts";
import type { RedisCaller } from "./presence.ts";

export type LogEntry =
  | { type: "chunk"; seq: number; kind: ChunkKind; delta: string }
  /** The chunks after `after` never reached the agent's node (`RelaySink.gap`); it takes the last seq they had. */
  | { type: "gap"; seq: number; after: number }
  | { type: "done"; seq: number; frame: DoneFrame }
  | { type: "error"; seq: number; code: string; message: string };

/** The first seq an entry stands for: a gap stands for every seq it covers. */
function startOf(entry: LogEntry): number {
  return entry.type === "gap" ? entry.after + 1 : entry.seq;
}

/** A request's last entry: nothing follows a `done` or an `error`. */
export function isEnding(entry: LogEntry): boolean {
  return entry.type === "done" || entry.type === "error";
}

/** Writes one request's log (`RequestLog.writer`). */
export interface LogWriter {
  append(entry: LogEntry): Promise<boolean>;
}

export interface RequestLogOptions {
  redis: RedisCaller;
  prefix: string;
  /** Entries kept per request (older ones are trimmed). Default 10,000. */
  maxEntries?: number;
  /** Characters of entries kept per request (older ones are trimmed; the newest is always kept). Default 16 Mi. */
  maxChars?: number;
  /** How long a finished or abandoned request's log stays readable. Default 60 s. */
  ttlMs?: number;
  /** Characters the logs this node writes keep together (log-budget.ts). Default: no limit but each log's. */
  nodeMaxChars?: number;
  /** Told when Redis refuses a trim the node's limit asked for (the log keeps more until its next append). */
  onError?: (error: unknown) => void;
}

/**
 * Subscribes to a wake-up channel; returns the unsubscribe. (One shared subscriber connection per node.) `wake` gets
 * what was published: an empty string when the subscription itself took effect. Readers never rely on it (a
 * wake-up can be lost); an acknowledgement's says how it went, which spares the caller's node a read (`awaitAck`).
 */
export type WakeSubscribe = (channel: string, wake: (message: string) => void) => () => void;

/**
 * Append, trim, refresh the TTL and wake readers in one round trip; 0 when the seq is not newer than the last one.
 * ARGV[1], when not '0', is the id the log starts at from now on: the writer counts what it keeps (log-retention.ts),
 * since a stream cannot say what its entries take. The wake-up carries the entry itself (`e:<json>`) when it is at
 * most ARGV[6] bytes, else its id.
 */
const APPEND = `
local added = redis.pcall('XADD', KEYS[1], ARGV[2], 'e', ARGV[3])
if type(added) == 'table' and added.err then
  if string.find(added.err, 'equal or smaller') then return 0 end
  return redis.error_reply(added.err)
end
if ARGV[1] ~= '0' then redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local wake = ARGV[2]
if string.len(ARGV[3]) <= tonumber(ARGV[6]) then wake = 'e:' .. ARGV[3] end
redis.call('PUBLISH', ARGV[5], wake)
return 1`;

/**
 * The id of the log's first entry kept ('' when it has none), then every entry that may be a permission chunk (a
 * JSON-escaped delta cannot contain the pattern's bare quotes; the caller checks each entry's kind anyway).
 */
const PERMISSION_ENTRIES = `
local found, from = {''}, '-'
repeat
  local page = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 500)
  for _, entry in ipairs(page) do
    if found[1] == '' then found[1] = entry[1] end
    local value = entry[2][2]
    if string.find(value, '"kind":"permission"', 1, true) then found[#found + 1] = value end
    from = '(' .. entry[1]
  end
until #page < 500
return found`;

/**
 * Entries up to this size ride on their wake-up, so a follower that is caught up delivers them without reading the
 * stream (a round trip per wake-up, on every cross-node chunk's way). Larger ones (a long result) are read. Kept
 * small: what is published waits in the subscriber's output buffer, which Redis cuts off past its limit (8 MB for a
 * minute by default), and the stream would then be read after a poll.
 */
const CARRIED_MAX_BYTES = 4 * 1024;
const CARRIED = "e:";
/** Carried entries a follower keeps while a read is in flight (see `follow`); past it, wake-ups read as before. */
const WAITING_MAX = 1000;

/**
 * The log of a call's output: a live call's is its request id; a task's delivery after its first has one of its own,
 * since it starts again from seq 1 and its followers start over with it (the first keeps the request id, so nodes of
 * an earlier version follow it too).
 */
export const logIdOf = (call: RelayCall): string =>
  (call.attempt ?? 1) > 1 ? `${call.requestId}#${call.attempt}` : call.requestId;

export class RequestLog {
  readonly #redis: RedisCaller;
  readonly #prefix: string;
  readonly #maxEntries: number;
  readonly #maxChars: number;
  readonly #ttlMs: number;
  readonly #budget: LogBudget | null;

  constructor(options: RequestLogOptions) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxChars = options.maxChars ?? 16 * 1024 * 1024;
    this.#ttlMs = options.ttlMs ?? 60_000;
    const onError = options.onError ?? (() => {});
    this.#budget =
      options.nodeMaxChars === undefined
        ? null
        : new LogBudget(options.nodeMaxChars, this.#ttlMs, (requestId, start) => {
            this.#redis.call("XTRIM", this.#key(requestId), "MINID", `${start}-0`).catch(onError);
          });
  }

  /** Characters the logs this node writes keep in Redis, as counted (null without `nodeMaxChars`). */
  get nodeChars(): number | null {
    return this.#budget?.chars ?? null;
  }

  #key = (requestId: string) => `${this.#prefix}cluster:log:${requestId}`;
  /** The wake-up channel of a request. */
  channel = (requestId: string) => `${this.#prefix}cluster:wake:${requestId}`;

  /**
   * The writer of a request's log: stores each entry under its seq and wakes readers (false when that seq, or a later
   * one, is stored already), and trims what the log keeps as it goes. One writer per request and node.
   */
  writer(requestId: string): LogWriter {
    const retention = new LogRetention({ maxEntries: this.#maxEntries, maxChars: this.#maxChars });
    return {
      append: async (entry) => {
        const text = JSON.stringify(entry);
        const before = retention.chars;
        const start = retention.add(entry.seq, text.length);
        // May trim other logs, or this one down to the entry being appended (its trim goes to Redis first).
        this.#budget?.appended(retention, requestId, retention.chars - before);
        const reply = await this.#redis.call(
          "EVAL",
          APPEND,
          1,
          this.#key(requestId),
          start === 0 ? "0" : `${start}-0`,
          `${entry.seq}-0`,
          text,
          this.#ttlMs,
          this.channel(requestId),
          CARRIED_MAX_BYTES,
        );
        return Number(reply) === 1; // 0: a replay, stored already
      },
    };
  }

  /** The highest seq stored for the request (0 when none). */
  async lastSeq(requestId: string): Promise<number> {
    const [last] = (await this.#redis.call("XREVRANGE", this.#key(requestId), "+", "-", "COUNT", 1)) as Array<
      [string, string[]]
    >;
    return last ? Number(last[0].split("-")[0]) : 0;
  }

  /** Entries after `afterSeq`, oldest first (at most `limit`), or `gap` when some of them were trimmed away. */
  async read(requestId: string, afterSeq: number, limit = 500): Promise<LogEntry[] | "gap"> {
    const key = this.#key(requestId);
    const replies = (await this.#redis.call("XRANGE", key, `(${afterSeq}-0`, "+", "COUNT", limit)) as Array<
      [string, string[]]
    >;
    const entries = replies.map(([, fields]) => JSON.parse(fields[1]!) as LogEntry);
    if (afterSeq > 0 && (entries.length === 0 || startOf(entries[0]!) > afterSeq + 1)) {
      // Nothing right after afterSeq: fine if the log simply has not got there, a gap if it was trimmed past it.
      const [first] = (await this.#redis.call("XRANGE", key, "-", "+", "COUNT", 1)) as Array<
        [string, string[]]
      >;
      const firstSeq = first ? Number(first[0].split("-")[0]) : null;
      if (firstSeq !== null && firstSeq > afterSeq + 1) return "gap";
    }
    return entries;
  }

  /**
   * The deltas of the request's permission chunks still kept (`maxEntries`), oldest first: its prompts and their
   * withdrawals; `fromStart` when the log still holds its first chunk (none was trimmed away). Filtered in Redis, so
   * a long output is not sent over for the few chunks that ask. Read when an answer comes from another node and when
   * a node takes a live call over, both rare.
   */
  async permissions(requestId: string): Promise<{ deltas: string[]; fromStart: boolean }> {
    const [first, ...values] = (await this.#redis.call(
      "EVAL",
      PERMISSION_ENTRIES,
      1,
      this.#key(requestId),
    )) as unknown[];
    const deltas: string[] = [];
    for (const value of values) {
      const entry = JSON.parse(String(value)) as LogEntry;
      if (entry.type === "chunk" && entry.kind === "permission") deltas.push(entry.delta);
    }
    return { deltas, fromStart: String(first) === "1-0" };
  }

  /**
   * Delivers every entry after `afterSeq` to `deliver`, each once and in order, until a `done` / `error` entry or
   * `stop()`. A wake-up that carries the very next entry delivers it; any other wake-up reads the stream, and so
   * does every `pollMs` regardless, so a lost wake-up only delays.
   */
  follow(
    requestId: string,
    afterSeq: number,
    subscribe: WakeSubscribe,
    deliver: (entry: LogEntry) => void,
    options: { pollMs?: number; onGap?: () => void; onError?: (error: unknown) => void } = {},
  ): { stop(): void } {
    let last = afterSeq;
    let stopped = false;
    let reading = false;
    let again = false;
    /**
     * Carried entries that came while a read was in flight and something before them had not come yet. Without them
     * every wake-up during a read asked for one more read, and a burst after one entry too large to carry was read
     * once per chunk; kept, they are delivered as soon as what comes before them has been.
     */
    const waiting = new Map<number, LogEntry>();
    /** Delivers the kept entries that now come next, in order. */
    const drain = () => {
      if (waiting.size === 0) return; // the usual case, on every carried chunk
      for (let next = waiting.get(last + 1); next && !stopped; next = waiting.get(last + 1)) {
        waiting.delete(last + 1);
        last = next.seq;
        deliver(next);
        if (isEnding(next)) stop();
      }
      for (const seq of waiting.keys()) if (seq <= last) waiting.delete(seq);
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      clearInterval(timer);
    };
    const pump = async (): Promise<void> => {
      if (stopped) return;
      if (reading) {
        again = true; // a wake-up during a read: read once more after it
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const entries = await this.read(requestId, last);
          if (entries === "gap") {
            stop();
            options.onGap?.();
            return;
          }
          for (const entry of entries) {
            if (stopped || entry.seq <= last) continue;
            if (!isEnding(entry) && startOf(entry) > last + 1) {
              // A hole (an append that never made it): say so rather than skip output silently.
              stop();
              options.onGap?.();
              return;
            }
            last = entry.seq;
            deliver(entry);
            if (isEnding(entry)) return stop();
          }
          drain();
          // Kept entries still wait behind a hole (an entry too large to carry, a lost wake-up): read again.
          if (entries.length === 500 || waiting.size > 0) again = true;
        } while (again && !stopped);
      } catch (error) {
        options.onError?.(error); // the next wake-up or poll tries again
      } finally {
        reading = false;
      }
    };
    /** Delivers the entry a wake-up carries when it is the next one; false when the stream must be read. */
    const carried = (message: string): boolean => {
      if (stopped || !message.startsWith(CARRIED)) return false;
      let entry: LogEntry;
      try {
        entry = JSON.parse(message.slice(CARRIED.length)) as LogEntry;
      } catch {
        return false;
      }
      if (entry.seq <= last) return true; // delivered already (by a read that got there first)
      if (startOf(entry) !== last + 1) {
        // Something before it has not come: read, unless a read is on its way (it, or the drain after it, brings
        // what is missing).
        if (!reading || waiting.size >= WAITING_MAX) return false;
        waiting.set(startOf(entry), entry);
        return true;
      }
      last = entry.seq;
      deliver(entry);
      if (isEnding(entry)) stop();
      else drain();
      return true;
    };
    const unsubscribe = subscribe(this.channel(requestId), (message) => {
      if (!carried(message)) void pump();
    });
    const timer = setInterval(() => void pump(), options.pollMs ?? 250);
    void pump();
    return { stop };
  }
}
