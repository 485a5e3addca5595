/**
 * A TCP link to a server that carries the client's bytes at a set rate, as a home uplink does, and the server's
 * back at full speed. Throttled by reading: past its allowance it stops reading the client, so the client's own
 * buffers fill as they would behind a slow network.
 */
import type { Socket } from "node:net";
import { startTcpLink, type TcpLink } from "./tcp-link.ts";

export type SlowLink = Pick<TcpLink, "url" | "stop">;

export function startSlowLink(serverUrl: string, bytesPerSecond: number): Promise<SlowLink> {
  /** Each client's bytes carried since its allowance last started. */
  const allowances = new WeakMap<Socket, { sent: number; since: number }>();
  return startTcpLink(serverUrl, (data, client, upstream) => {
    upstream.write(data);
    const allowance = allowances.get(client) ?? { sent: 0, since: Date.now() };
    allowances.set(client, allowance);
    allowance.sent += data.length;
    const ahead = allowance.sent / bytesPerSecond - (Date.now() - allowance.since) / 1000;
    if (ahead <= 0) return;
    client.pause();
    setTimeout(() => {
      allowance.sent = 0;
      allowance.since = Date.now();
      client.resume();
    }, ahead * 1000);
  });
}
