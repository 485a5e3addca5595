import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";

gatewayContract({ runtime: "node", start: () => startGateway({ runtime: "node", store: "fs" }) });
