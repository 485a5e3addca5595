import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { startUpstashServer } from "../helpers/upstash-server.ts";

const redis = await startRedis();
const upstash = redis ? await startUpstashServer(redis.url) : null;

gatewayContract({
  runtime: "deno",
  label: "with the upstash store",
  skipReason: upstash ? null : "redis-server is not installed",
  start: () =>
    startGateway({
      runtime: "deno",
      store: "upstash",
      env: { UPSTASH_REDIS_REST_URL: upstash!.url, UPSTASH_REDIS_REST_TOKEN: upstash!.token },
    }),
  teardown: async () => {
    await upstash?.stop();
    await redis?.stop();
  },
});
