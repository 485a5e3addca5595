/**
 * The runtime contract suite: every behaviour of the gateway's public contract, run against a real gateway process
 * of one runtime. `tests/runtimes/<runtime>.test.ts` calls it in one line.
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { GatewayProcess } from "../../helpers/gateway-process.ts";
import { apiContract } from "./api.ts";
import { protocolContract } from "./protocol.ts";
import { relayContract } from "./relay.ts";
import { resilienceContract } from "./resilience.ts";

export interface GatewayContext {
  gateway: GatewayProcess;
  runtime: string;
}

export interface GatewayContractOptions {
  /** Starts the gateway with a durable store (restarts must keep data). */
  start: () => Promise<GatewayProcess>;
  /** Runtime name `/health` must report. */
  runtime: string;
}

export function gatewayContract(options: GatewayContractOptions): void {
  describe(`gateway on ${options.runtime}`, () => {
    const context = {} as GatewayContext;
    beforeAll(async () => {
      context.gateway = await options.start();
      context.runtime = options.runtime;
    });
    afterAll(async () => {
      await context.gateway?.stop();
    });
    const get = () => context;
    apiContract(get);
    relayContract(get);
    protocolContract(get);
    resilienceContract(get);
  });
}
