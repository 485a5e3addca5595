import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";

gatewayContract({ runtime: "deno", start: () => startGateway({ runtime: "deno", store: "fs" }) });
