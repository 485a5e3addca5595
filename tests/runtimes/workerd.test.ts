import { gatewayContract } from "../contracts/gateway/index.ts";
import { startGateway } from "../helpers/gateway-process.ts";

gatewayContract({ runtime: "workerd", start: () => startGateway({ runtime: "workerd" }) });
