/**
 * A small TCP load balancer for cluster tests: round-robin over the backends, bytes passed through untouched (so
 * WebSocket upgrades and SSE streams work), no sticky sessions. A backend that refuses the connection (a killed
 * node) is skipped for the next one, like a proxy with passive health checks.
 */
import { createConnection, createServer, type Socket } from "node:net";

export interface TcpBalancer {
  url: string;
  /** Cuts every connection passing through (a network blip): clients reconnect, likely to another node. */
  dropAll(): void;
  /**
   * Stops passing the backends' bytes to the clients on every connection open now (a link gone silent on the
   * way back): what a node writes on them meanwhile is never read.
   */
  partition(): void;
  stop(): Promise<void>;
}

export async function startBalancer(backends: () => string[]): Promise<TcpBalancer> {
  let next = 0;
  const sockets = new Set<Socket>();
  /** Each open connection's backend side and the client it feeds. */
  const links = new Map<Socket, Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    const targets = backends();
    const attempt = (tries: number) => {
      if (tries >= targets.length) return client.destroy();
      const target = new URL(targets[next++ % targets.length]!);
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      track(upstream);
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        upstream.on("error", () => client.end());
        // `end`, not `destroy`: bytes the node wrote just before closing (a 413 answer) still reach the client.
        upstream.on("close", () => client.end());
        client.on("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        links.set(upstream, client);
        upstream.on("close", () => links.delete(upstream));
        client.resume();
      });
      upstream.once("error", () => attempt(tries + 1));
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    partition() {
      for (const [upstream, client] of links) {
        upstream.unpipe(client);
        upstream.pause();
      }
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
