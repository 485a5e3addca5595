import { testSessionStore } from "../contracts/session-store.ts";
import { redisForFile, redisSessionHarness } from "../helpers/store-harness.ts";

const redis = await redisForFile();
if (redis)
  testSessionStore("redis", () => redisSessionHarness(redis.url, redis.redis), {
    durable: true,
    sharedAcrossProcesses: true,
    listing: "sorted sets",
  });
