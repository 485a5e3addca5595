/**
 * Two "gateway nodes" as far as the store goes: two redis session stores, each with its own ioredis connection,
 * on one redis-server and one fresh key prefix. Services built on each race each other exactly as two nodes
 * sharing one Redis do (every read and write is a round trip, so a get … set on one interleaves with the other's).
 * Starts its own redis-server for the file; prints the loud skip (or fails under REQUIRE_REDIS=1) when missing.
 */
import { afterAll } from "vitest";
import { redisSessionStore } from "../../gateway/src/session-stores/redis.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { startRedis } from "./redis-server.ts";

export interface SharedRedis {
  /** Two stores (two connections) on one Redis and one prefix, for one test. Disposed after the file. */
  pair(): [SessionStore, SessionStore];
}

let counter = 0;

export async function sharedRedisForFile(): Promise<SharedRedis | null> {
  const server = await startRedis();
  if (!server) return null;
  const opened: SessionStore[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.dispose()));
    await server.stop();
  });
  return {
    pair() {
      const prefix = `races-${process.pid}-${counter++}:`;
      const stores: [SessionStore, SessionStore] = [
        redisSessionStore({ url: server.url, prefix }),
        redisSessionStore({ url: server.url, prefix }),
      ];
      opened.push(...stores);
      return stores;
    },
  };
}
