/**
 * A gateway inside the test process (Node's WebSocket upgrade, memory store and blobs, a known admin token), for
 * tests that call `gateway.fetch` / `gateway.app.request` without starting a server. `overrides` replace any option.
 */
import { upgradeWebSocket } from "@hono/node-server";
import { memoryBlobStore } from "../../gateway/src/blob-stores/memory.ts";
import { createGateway, type Gateway, type GatewayOptions } from "../../gateway/src/index.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { apiClient } from "./api.ts";

export const IN_PROCESS_ADMIN_TOKEN = "admin-test-token";

export function inProcessGateway(overrides: Partial<GatewayOptions> = {}): Gateway {
  return createGateway({
    runtime: "node",
    store: memorySessionStore({}),
    blobs: memoryBlobStore(),
    upgradeWebSocket,
    adminToken: IN_PROCESS_ADMIN_TOKEN,
    ...overrides,
  });
}

/** The test API client (api.ts) over an in-process gateway: requests go straight to its app, no server. */
export function inProcessApi(gateway: Gateway, token?: string, always: Record<string, string> = {}) {
  return apiClient("http://in-process.test", token, always, (url, init) =>
    gateway.app.request(url.href, init),
  );
}
