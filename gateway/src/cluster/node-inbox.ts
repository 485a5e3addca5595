/**
 * Commands from one gateway node to another (dispatch this call, release, cancel, a task was queued, close these
 * sockets). Each node reads its own Redis stream `cluster:inbox:<node>`; a publish wakes it, a poll backs the
 * publish up, and reading strictly after the last entry id handles each command once. Commands older than the
 * node's start are skipped: they were meant for an earlier process with the same node id.
 * @module
 */
import type { RedisCaller } from "./presence.ts";
import type { WakeSubscribe } from "./request-log.ts";

export type InboxHandler = (command: Record<string, unknown>) => void;

const SEND = `
redis.call('XADD', KEYS[1], 'MAXLEN', '~', 10000, '*', 'c', ARGV[1])
redis.call('PUBLISH', ARGV[2], '1')
return 1`;

export class NodeInbox {
  readonly #redis: RedisCaller;
  readonly #prefix: string;

  constructor(redis: RedisCaller, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #stream = (node: string) => `${this.#prefix}cluster:inbox:${node}`;
  #channel = (node: string) => `${this.#prefix}cluster:wake-node:${node}`;

  /** Appends the command to the node's inbox and wakes it, in one round trip. */
  async send(node: string, command: Record<string, unknown>): Promise<void> {
    await this.#redis.call("EVAL", SEND, 1, this.#stream(node), JSON.stringify(command), this.#channel(node));
  }

  /**
   * Handles the commands sent to `node` from now on, in order. `ready` is awaited before each batch is handled (a
   * node that was frozen checks its claims before it acts on commands that waited meanwhile).
   */
  listen(
    node: string,
    subscribe: WakeSubscribe,
    handle: InboxHandler,
    onError: (error: unknown) => void,
    options: { pollMs?: number; ready?: () => Promise<void> } = {},
  ): { stop(): void } {
    const { pollMs = 250, ready } = options;
    let last = `${Date.now()}-0`;
    let reading = false;
    let again = false;
    const pump = async (): Promise<void> => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const entries = (await this.#redis.call(
            "XRANGE",
            this.#stream(node),
            `(${last}`,
            "+",
            "COUNT",
            200,
          )) as Array<[string, string[]]>;
          if (entries.length > 0) await ready?.();
          for (const [id, fields] of entries) {
            last = id;
            try {
              handle(JSON.parse(fields[1]!) as Record<string, unknown>);
            } catch (error) {
              onError(error);
            }
          }
          if (entries.length === 200) again = true;
        } while (again);
      } catch (error) {
        onError(error);
      } finally {
        reading = false;
      }
    };
    const unsubscribe = subscribe(this.#channel(node), () => void pump());
    const timer = setInterval(() => void pump(), pollMs);
    (timer as { unref?: () => void }).unref?.();
    return {
      stop() {
        unsubscribe();
        clearInterval(timer);
      },
    };
  }
}
