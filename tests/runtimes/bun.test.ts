import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";

gatewayContract({ runtime: "bun", start: () => startGateway({ runtime: "bun", store: "fs" }) });
