/**
 * A TCP link to a server that carries the client's bytes at a set rate, as a home uplink does, and the server's
 * back at full speed. Throttled by reading: past its allowance it stops reading the client, so the client's own
 * buffers fill as they would behind a slow network.
 */
import { createConnection, createServer, type Socket } from "node:net";

export interface SlowLink {
  /** Where the client connects (`http://127.0.0.1:<port>`), in place of the server's address. */
  url: string;
  stop(): Promise<void>;
}

export async function startSlowLink(serverUrl: string, bytesPerSecond: number): Promise<SlowLink> {
  const target = new URL(serverUrl);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    track(client);
    track(upstream);
    upstream.pipe(client);
    let sent = 0;
    let since = Date.now();
    client.on("data", (data: Buffer) => {
      upstream.write(data);
      sent += data.length;
      const ahead = sent / bytesPerSecond - (Date.now() - since) / 1000;
      if (ahead <= 0) return;
      client.pause();
      setTimeout(() => {
        sent = 0;
        since = Date.now();
        client.resume();
      }, ahead * 1000);
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
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
