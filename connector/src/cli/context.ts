/**
 * What most commands need first: the config, an authenticated API client, and agent refs resolved through the
 * local aliases (a local alias or name maps to the agent id; anything else goes to the gateway as is, where ids
 * and names resolve case-insensitively).
 * @module
 */
import { type Config, findLocalAgent, gatewaySettings, loadConfig } from "../config.ts";
import { GatewayApi } from "./gateway-api.ts";

export interface Context {
  config: Config;
  api: GatewayApi;
}

export function userContext(): Context {
  const config = loadConfig();
  const { url, token } = gatewaySettings(config);
  return { config, api: new GatewayApi(url, token) };
}

/** The ref to send to the gateway for `ref`: a local alias becomes its agent id. */
export function agentRef(config: Config, ref: string): string {
  return findLocalAgent(config, ref)?.[1].id ?? ref;
}
