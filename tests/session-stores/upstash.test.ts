import { testSessionStore } from "../contracts/session-store.ts";
import { redisForFile, upstashSessionHarness } from "../helpers/store-harness.ts";

const redis = await redisForFile({ upstash: true });
if (redis?.upstash)
  testSessionStore("upstash", () => upstashSessionHarness(redis.upstash!), {
    durable: true,
    sharedAcrossProcesses: true,
    listing: "sorted sets",
  });
