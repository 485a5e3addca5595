/**
 * A TCP link between a client and a server on loopback, for tests of what a network does to a connection: the
 * server's bytes go back to the client as they come, and `carry` decides what becomes of the client's (passed on,
 * throttled, lost). A connection ends on both sides when either ends.
 */
import { createConnection, createServer, type Socket } from "node:net";

export interface TcpLink {
  /** Where the client connects (`http://127.0.0.1:<port>`), in place of the server's address. */
  url: string;
  /** The client sides of the connections open now. */
  clients(): Socket[];
  stop(): Promise<void>;
}

export async function startTcpLink(
  serverUrl: string,
  carry: (data: Buffer, client: Socket, upstream: Socket) => void,
): Promise<TcpLink> {
  const target = new URL(serverUrl);
  const open = new Set<Socket>();
  const clients = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    clients.add(client);
    client.on("close", () => clients.delete(client));
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
    }
    upstream.pipe(client);
    client.on("data", (data: Buffer) => carry(data, client, upstream));
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    clients: () => [...clients],
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
