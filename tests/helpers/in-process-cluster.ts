/**
 * Gateway nodes of one cluster in the test's own process, on one redis-server: each with its own Redis connections
 * (commands and wake-ups) and session store, so a test can wrap one node's Redis commands (count them, fail some:
 * `refusingRedis`). `serve` gives a node a real HTTP and WebSocket server, for agents to connect to; `dispose` stops
 * it all. `agentAcrossNodes` sets up the usual pair: the agent's socket on node A, its caller on node B.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Redis } from "ioredis";
import { expect } from "vitest";
import { WebSocketServer } from "ws";
import type { RedisCaller } from "../../gateway/src/cluster/presence.ts";
import { WakeBus } from "../../gateway/src/cluster/wake-bus.ts";
import type { Gateway } from "../../gateway/src/index.ts";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import { redisSessionStore } from "../../gateway/src/session-stores/redis.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { attachWebSockets, upgradeWebSocket } from "../../runtimes/node/websocket.ts";
import { connectAgent, type Handler, type TestAgent } from "./fixtures.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "./in-process-gateway.ts";
import { waitFor } from "./wait.ts";

export class InProcessCluster {
  readonly #redisUrl: string;
  readonly #prefix: string;
  readonly #clients: Redis[] = [];
  readonly #stores: SessionStore[] = [];
  readonly #gateways: Gateway[] = [];
  readonly #servers: Server[] = [];

  constructor(redisUrl: string, prefix: string) {
    this.#redisUrl = redisUrl;
    this.#prefix = prefix;
  }

  /** A node named `nodeId`; `commands` wraps its Redis command connection (default: used as is). */
  node(nodeId: string, commands: (client: Redis) => RedisCaller = (client) => client): Gateway {
    const [command, subscriber] = [new Redis(this.#redisUrl), new Redis(this.#redisUrl)];
    this.#clients.push(command, subscriber);
    const store = redisSessionStore({ url: this.#redisUrl, prefix: this.#prefix });
    this.#stores.push(store);
    const gateway = inProcessGateway({
      store,
      upgradeWebSocket,
      cluster: {
        redis: commands(command),
        wakes: new WakeBus(subscriber),
        prefix: this.#prefix,
        nodeId,
        onReconnected: () => {},
      },
    });
    this.#gateways.push(gateway);
    return gateway;
  }

  /** Serves `gateway` over HTTP and WebSocket on a free loopback port; returns its URL. */
  async serve(gateway: Gateway): Promise<string> {
    const server = createServer(getRequestListener(gateway.fetch));
    this.#servers.push(server);
    attachWebSockets(server, new WebSocketServer({ noServer: true }), gateway.fetch);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.#servers.map((server) => new Promise((resolve) => server.close(resolve))));
    for (const gateway of this.#gateways) gateway.dispose();
    await Promise.all(this.#stores.map((store) => store.dispose()));
    for (const client of this.#clients) client.disconnect();
  }
}

/** What a node's Redis connection throws while Redis refuses (as runtimes/shared/cluster-from-env.ts reads it). */
const REFUSALS = {
  store_full: () =>
    new StoreError("store_full", "the cluster's redis (test) is full: OOM command not allowed", {
      reason: "Redis reached its maxmemory",
    }),
  store_unavailable: () => new StoreError("store_unavailable", "the cluster's redis (test) is unreachable"),
};

/**
 * A node's Redis: the real connection, except for the scripts on a key containing `keyPart` (`EVAL script 1 <key>
 * …`) that it is told to refuse, with the store's own refusal.
 */
export function refusingRedis(client: Redis, keyPart: string) {
  let refusing = 0;
  let refusal: keyof typeof REFUSALS = "store_unavailable";
  let refused = 0;
  const caller: RedisCaller = {
    call(command, ...args) {
      if (refusing > 0 && command === "EVAL" && String(args[2]).includes(keyPart)) {
        refusing--;
        refused++;
        return Promise.reject(REFUSALS[refusal]());
      }
      return client.call(command, ...args);
    },
  };
  return {
    caller,
    refuseNext(count: number, code: keyof typeof REFUSALS = "store_unavailable") {
      refusing = count;
      refusal = code;
    },
    /** How many it refused so far. */
    refused: () => refused,
  };
}

/**
 * Node A (served: the agent's socket) and node B (the callers'), each with its Redis commands wrapped as given; a
 * user made through node B, and its agent `agentName` connected to node A and seen online from node B.
 */
export async function agentAcrossNodes(
  cluster: InProcessCluster,
  setup: {
    user: string;
    agentName: string;
    handler: Handler;
    commandsA?: (client: Redis) => RedisCaller;
    commandsB?: (client: Redis) => RedisCaller;
  },
): Promise<{ agent: TestAgent; viaB: ReturnType<typeof inProcessApi> }> {
  const a = cluster.node("node-a", setup.commandsA);
  const b = cluster.node("node-b", setup.commandsB);
  await Promise.all([a.init(), b.init()]);
  const url = await cluster.serve(a);
  const admin = inProcessApi(b, IN_PROCESS_ADMIN_TOKEN);
  const user = await admin.post<{ token: string }>("/v1/tokens", { name: setup.user });
  const viaB = inProcessApi(b, user.body.token);
  expect((await viaB.post("/v1/agents", { name: setup.agentName })).status).toBe(201);
  const agent = await connectAgent(url, user.body.token, setup.agentName, setup.handler);
  await waitFor(async () => (await viaB.get(`/v1/agents/${setup.agentName}`)).body.online === true, {
    what: "node B sees the agent on node A",
  });
  return { agent, viaB };
}
