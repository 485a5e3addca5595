/**
 * A TCP link to a server that can lose what the client sends, as a network path that fails mid-stream does: from
 * `loseFromNow()` the bytes of the connections open then are read and dropped (the client's kernel took them, so
 * as far as the client knows they were sent), and `cut()` ends those connections. New connections are carried whole.
 */
import type { Socket } from "node:net";
import { startTcpLink, type TcpLink } from "./tcp-link.ts";

export interface LossyLink extends Pick<TcpLink, "url" | "stop"> {
  loseFromNow(): void;
  cut(): void;
}

export async function startLossyLink(serverUrl: string): Promise<LossyLink> {
  const losing = new Set<Socket>();
  const link = await startTcpLink(serverUrl, (data, client, upstream) => {
    if (!losing.has(client)) upstream.write(data);
  });
  return {
    url: link.url,
    stop: link.stop,
    loseFromNow() {
      for (const client of link.clients()) losing.add(client);
    },
    cut() {
      for (const client of losing) client.destroy();
      losing.clear();
    },
  };
}
