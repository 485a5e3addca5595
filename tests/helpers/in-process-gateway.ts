/**
 * A gateway inside the test process (Node's WebSocket upgrade, memory store and blobs, a known admin token), for
 * tests that call `gateway.fetch` / `gateway.app.request` without starting a server. `overrides` replace any option.
 */
import { upgradeWebSocket } from "@hono/node-server";
import { memoryBlobStore } from "../../gateway/src/blob-stores/memory.ts";
import type { Caller } from "../../gateway/src/domain/caller.ts";
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

/** A request frame as the agent gets it (the fields these tests read). */
export interface InProcessRequest {
  id: string;
  message: string;
}

/**
 * User "ada" (a token with the agents, connect and call scopes) and her private agent `name`, connected to the
 * gateway's home through a link without a socket: `onRequest` hears each request the agent is sent, and `send`
 * passes a frame from the agent (`send({ type: "done", id, seq: 1, result: "…" })`).
 */
export async function connectInProcessAgent(
  gateway: Gateway,
  name: string,
  onRequest: (request: InProcessRequest, send: (frame: object) => void) => void,
) {
  const { services } = gateway;
  const { token, record } = await services.tokens.mint({
    user: "ada",
    kind: "user",
    scopes: ["agents", "connect", "call"],
  });
  const agent = await services.agents.create("ada", {
    name,
    description: "",
    type: "exec",
    visibility: "private",
    capabilities: [],
  });
  const home = gateway.home!;
  let welcomed!: () => void;
  const welcome = new Promise<void>((resolve) => (welcomed = resolve));
  const connection = home.accept({
    send(text: string) {
      const frame = JSON.parse(text) as InProcessRequest & { type: string };
      if (frame.type === "welcome") welcomed();
      if (frame.type === "request") onRequest(frame, send);
    },
    close() {},
  });
  const send = (frame: object) => home.message(connection, JSON.stringify(frame));
  send({ type: "hello", protocol: { min: 1, max: 99 }, token, agent: name });
  await welcome;
  const caller: Caller = { tokenId: record.id, user: "ada", kind: "user", scopes: record.scopes };
  return { agent, caller, send };
}
