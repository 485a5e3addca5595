/**
 * One Redis subscriber connection per node, shared by every reader waiting for wake-ups (building block of the
 * Redis `AgentHub`). ioredis resubscribes after a reconnect; what is published while the connection is down is
 * lost, which is why no reader relies on what a wake-up carries (see `request-log.ts`).
 * @module
 */
import type { Redis } from "ioredis";
import type { WakeSubscribe } from "./request-log.ts";

export class WakeBus {
  readonly #subscriber: Redis;
  readonly #listeners = new Map<string, Set<(message: string) => void>>();

  /** `subscriber` must be a connection of its own: a subscribed connection runs no other commands. */
  constructor(subscriber: Redis) {
    this.#subscriber = subscriber;
    subscriber.on("message", (channel: string, message: string) => {
      for (const wake of this.#listeners.get(channel) ?? []) wake(message);
    });
  }

  subscribe: WakeSubscribe = (channel, wake) => {
    let listeners = this.#listeners.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      // Once the subscription is active, every listener looks once: what was published before it took effect would
      // otherwise wait for the next poll. A failed SUBSCRIBE (connection down) is made good by ioredis on reconnect
      // and by the readers' polls.
      const current = listeners;
      this.#subscriber
        .subscribe(channel)
        .then(() => {
          for (const listener of current) listener("");
        })
        .catch(() => {});
    }
    listeners.add(wake);
    return () => {
      listeners.delete(wake);
      if (listeners.size === 0 && this.#listeners.get(channel) === listeners) {
        this.#listeners.delete(channel);
        this.#subscriber.unsubscribe(channel).catch(() => {});
      }
    };
  };
}
