import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";
import { startRedis } from "../helpers/redis-server.ts";

const redis = await startRedis();

gatewayContract({
  runtime: "bun",
  label: "with the redis store",
  skipReason: redis ? null : "redis-server is not installed",
  start: () => startGateway({ runtime: "bun", store: "redis", env: { REDIS_URL: redis!.url } }),
  teardown: async () => redis?.stop(),
});
