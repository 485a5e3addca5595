/**
 * The runtime contract suite: every behaviour of the gateway's public contract, run against a real gateway process
 * of one runtime. `tests/runtimes/<runtime>.test.ts` calls it in one line.
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { GatewayProcess } from "../../helpers/gateway-process.ts";
import { a2aContract } from "./a2a.ts";
import { a2aBadInputContract } from "./a2a-bad-input.ts";
import { a2aFollowContract } from "./a2a-follow.ts";
import { apiContract } from "./api.ts";
import { followContract } from "./follow.ts";
import { inboxContract } from "./inbox.ts";
import { inboxSessionsContract } from "./inbox-sessions.ts";
import { mcpContract } from "./mcp.ts";
import { promptWithdrawalContract } from "./prompt-withdrawal.ts";
import { promptsContract } from "./prompts.ts";
import { protocolContract } from "./protocol.ts";
import { relayContract } from "./relay.ts";
import { resilienceContract } from "./resilience.ts";
import { sharesContract } from "./shares.ts";
import { tokensContract } from "./tokens.ts";
import { webContract } from "./web.ts";

export interface GatewayContext {
  gateway: GatewayProcess;
  runtime: string;
  /** Checks a setup cannot pass for a reason outside the gateway, each with that reason (printed when skipped). */
  notThrough?: { bodyCap?: string; stampAtStop?: string };
}

export interface GatewayContractOptions {
  /** Starts the gateway with a durable store (restarts must keep data). */
  start: () => Promise<GatewayProcess>;
  /** Runtime name `/health` must report. */
  runtime: string;
  /** Extra words in the suite name (e.g. the store). */
  label?: string;
  /** When set, the whole suite is skipped and this reason printed (a backing service is missing). */
  skipReason?: string | null;
  notThrough?: GatewayContext["notThrough"];
  /** Stops what `start` depended on (e.g. a Redis server), after the gateway. */
  teardown?: () => Promise<void>;
}

export function gatewayContract(options: GatewayContractOptions): void {
  if (options.skipReason)
    console.warn(`SKIPPED: gateway on ${options.runtime} ${options.label ?? ""} (${options.skipReason})`);
  describe.skipIf(Boolean(options.skipReason))(
    `gateway on ${options.runtime} ${options.label ?? ""}`.trim(),
    () => {
      const context = {} as GatewayContext;
      beforeAll(async () => {
        context.gateway = await options.start();
        context.runtime = options.runtime;
        context.notThrough = options.notThrough;
      });
      afterAll(async () => {
        await context.gateway?.stop();
        await options.teardown?.();
      });
      const get = () => context;
      apiContract(get);
      tokensContract(get);
      relayContract(get);
      followContract(get);
      inboxContract(get);
      inboxSessionsContract(get);
      promptsContract(get);
      promptWithdrawalContract(get);
      protocolContract(get);
      resilienceContract(get);
      mcpContract(get);
      sharesContract(get);
      webContract(get);
      a2aContract(get);
      a2aFollowContract(get);
      a2aBadInputContract(get);
    },
  );
}
