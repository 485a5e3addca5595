/**
 * A TCP link to a server that can lose what the client sends, as a network path that fails mid-stream does: from
 * `loseFromNow()` the bytes of the connections open then are read and dropped (the client's kernel took them, so
 * as far as the client knows they were sent), and `cut()` ends those connections. New connections are carried whole.
 */
import { createConnection, createServer, type Socket } from "node:net";

export interface LossyLink {
  /** Where the client connects (`http://127.0.0.1:<port>`), in place of the server's address. */
  url: string;
  loseFromNow(): void;
  cut(): void;
  stop(): Promise<void>;
}

export async function startLossyLink(serverUrl: string): Promise<LossyLink> {
  const target = new URL(serverUrl);
  const open = new Set<Socket>();
  const losing = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
    }
    upstream.pipe(client);
    client.on("data", (data: Buffer) => {
      if (!losing.has(client)) upstream.write(data);
    });
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    loseFromNow() {
      for (const socket of open) losing.add(socket);
    },
    cut() {
      for (const socket of losing) socket.destroy();
      losing.clear();
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
