/**
 * Answers to live calls' permission prompts in a cluster, where any node may take an answer and the agent may resume
 * the call on any node: each answer is kept in Redis beside the call's acknowledgement (`cluster:answers:<request>`,
 * the same TTL), so the node the agent resumes the call on sends it again; and a node that does not hold the call
 * checks an answer against the call's log and the answers kept, as the holding node would. (A task keeps its answers
 * in its record, `TaskRecord.answers`, and its answers are checked against that record.)
 * @module
 */
import type { PromptAnswer } from "../protocol/index.ts";
import { PromptBook, type PromptVerdict } from "../relay/prompt-book.ts";
import type { RedisCaller } from "./presence.ts";
import type { RequestLog } from "./request-log.ts";

const KEEP = "redis.call('RPUSH', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1";

export class LiveCallAnswers {
  readonly #redis: RedisCaller;
  readonly #log: RequestLog;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(options: { redis: RedisCaller; log: RequestLog; prefix: string; ttlMs: number }) {
    this.#redis = options.redis;
    this.#log = options.log;
    this.#prefix = options.prefix;
    this.#ttlMs = options.ttlMs;
  }

  #key = (requestId: string) => `${this.#prefix}cluster:answers:${requestId}`;

  /** Keeps an answer to a prompt of live call `requestId` where every node sees it. */
  async keep(requestId: string, answer: PromptAnswer): Promise<void> {
    await this.#redis.call("EVAL", KEEP, 1, this.#key(requestId), JSON.stringify(answer), this.#ttlMs);
  }

  /** The answers kept for `requestId`, oldest first. */
  async kept(requestId: string): Promise<PromptAnswer[]> {
    const raw = (await this.#redis.call("LRANGE", this.#key(requestId), 0, -1)) as unknown[];
    return raw.map((item) => JSON.parse(String(item)) as PromptAnswer);
  }

  /**
   * What an answer to a live call's prompt meets, for a node that does not hold the call. A prompt the log does not
   * show counts as open when the log no longer holds its start (a long output trimmed it away).
   */
  async verdict(requestId: string, promptId: string): Promise<PromptVerdict> {
    const [{ deltas, fromStart }, kept] = await Promise.all([
      this.#log.permissions(requestId),
      this.kept(requestId),
    ]);
    const book = new PromptBook();
    for (const answer of kept) book.keep(answer);
    for (const delta of deltas) book.note(delta);
    const verdict = book.verdict(promptId);
    const answered = kept.some((answer) => answer.prompt_id === promptId);
    return verdict === "not_found" && !fromStart && !answered ? "open" : verdict;
  }
}
