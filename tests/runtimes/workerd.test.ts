import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";

gatewayContract({
  runtime: "workerd",
  start: () => startGateway({ runtime: "workerd" }),
  notThrough: {
    // Agent sockets live in Durable Objects, not in a process a stop signal reaches; a `wrangler dev` restart ends
    // workerd without their close events, as a real Workers deploy never stops them that way.
    stampAtStop: "wrangler dev ends workerd without the Durable Objects' close events",
  },
});
