/**
 * Gateway nodes of one cluster in the test's own process, on one redis-server: each with its own Redis connections
 * (commands and wake-ups) and session store, so a test can wrap one node's Redis commands (count them, fail some).
 * `serve` gives a node a real HTTP and WebSocket server, for agents to connect to; `dispose` stops it all.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Redis } from "ioredis";
import { WebSocketServer } from "ws";
import type { RedisCaller } from "../../gateway/src/cluster/presence.ts";
import { WakeBus } from "../../gateway/src/cluster/wake-bus.ts";
import type { Gateway } from "../../gateway/src/index.ts";
import { redisSessionStore } from "../../gateway/src/session-stores/redis.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { attachWebSockets, upgradeWebSocket } from "../../runtimes/node/websocket.ts";
import { inProcessGateway } from "./in-process-gateway.ts";

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
