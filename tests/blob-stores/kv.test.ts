import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { testBlobStore } from "../contracts/blob-store.ts";
import {
  kvBlobHarness,
  redisForFile,
  redisSessionHarness,
  upstashSessionHarness,
} from "../helpers/store-harness.ts";

// A put's TTL is the session store's own expiry: on redis and upstash a real `PX`, so the waits are real too.
testBlobStore(
  "kv over memory",
  async () => {
    const store = memorySessionStore({});
    return kvBlobHarness({ store, cleanup: () => store.dispose() });
  },
  { expiry: "dropped" },
);
const redis = await redisForFile({ upstash: true });
if (redis)
  testBlobStore("kv over redis", async () => kvBlobHarness(await redisSessionHarness(redis.url)), {
    durable: true,
    expiry: "dropped",
  });
if (redis?.upstash) {
  testBlobStore("kv over upstash", async () => kvBlobHarness(await upstashSessionHarness(redis.upstash!)), {
    durable: true,
    expiry: "dropped",
  });
}
