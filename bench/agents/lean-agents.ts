/**
 * Many idle agents from one process, as lean as the protocol allows: a raw WebSocket per agent (raw-websocket.ts:
 * a TCP socket speaking just enough of RFC 6455, so the generator spends less per connect than the server) that sends
 * `hello`, then only pings at the interval the welcome asks for (one timer for the whole process, pinging a slice
 * of the sockets per tick, so the generator itself stays light). Sockets are spread over several loopback source
 * addresses, because one source address reaches one server port through at most ~28,000 ephemeral ports.
 *
 * With `reconnect`, a closed socket reconnects after the connector's own jittered backoff
 * (connector/src/client/backoff.ts), as a fleet of real connectors does after a gateway restart.
 *
 * Prints `lean {json}` once a second: sockets welcomed now, ever, closes, pongs, and the epoch ms of the first
 * open attempt and of the latest welcome; `lean ready` each time every socket is welcomed.
 *
 *   node --import tsx bench/agents/lean-agents.ts '<json options>'   (see LeanOptions)
 */
import type { Socket } from "node:net";
import { nextDelay } from "../../connector/src/client/backoff.ts";
import { noCounts } from "./lean-counts.ts";
import { clientFrame, openRawWebSocket } from "./raw-websocket.ts";

interface LeanOptions {
  url: string;
  token: string;
  /** Agents are named `${prefix}${index}` for index in [first, first + count). */
  prefix: string;
  first: number;
  count: number;
  /** Loopback source addresses to spread the sockets over (e.g. 127.0.0.2). */
  sourceAddresses: string[];
  /** Handshakes in flight at once. */
  openingAtOnce: number;
  reconnect: boolean;
}

const options = JSON.parse(process.argv[2] ?? "{}") as LeanOptions;
if (!options.url || !options.token) throw new Error("usage: lean-agents.ts '<json options>'");
const connectUrl = new URL("/v1/connect", options.url.replace(/^http/, "ws"));
const PING = clientFrame(JSON.stringify({ type: "ping" }));
const TICK_MS = 250;

const counts = noCounts();
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const sockets: (Socket | null)[] = new Array(options.count).fill(null);
const welcomed: boolean[] = new Array(options.count).fill(false);
const attempts: number[] = new Array(options.count).fill(0);
const waiting: number[] = [];
let heartbeatMs = 15_000;
let opening = 0;
let stopping = false;

function open(slot: number): void {
  opening++;
  if (!counts.firstOpenAt) {
    counts.firstOpenAt = Date.now();
    counts.cpuAtFirstOpenMs = cpuMs();
  }
  const index = options.first + slot;
  const localAddress = options.sourceAddresses[slot % options.sourceAddresses.length];
  let settled = false;
  const handshakeOver = () => {
    if (settled) return;
    settled = true;
    opening--;
    openMore();
  };
  const socket = openRawWebSocket(connectUrl, localAddress, {
    open() {
      const hello = {
        type: "hello",
        protocol: { min: 1, max: 1 },
        token: options.token,
        agent: `${options.prefix}${index}`,
      };
      socket.write(clientFrame(JSON.stringify(hello)));
    },
    text(payload) {
      const frame = JSON.parse(payload) as { type: string; heartbeat_ms?: number };
      if (frame.type === "pong") counts.pongs++;
      if (frame.type !== "welcome" || welcomed[slot]) return;
      welcomed[slot] = true;
      attempts[slot] = 0;
      counts.welcomed++;
      counts.everWelcomed++;
      counts.lastWelcomeAt = Date.now();
      heartbeatMs = frame.heartbeat_ms ?? heartbeatMs;
      if (counts.everWelcomed === options.count) counts.cpuAtAllWelcomedMs = cpuMs();
      handshakeOver();
    },
    closed() {
      counts.closed++;
      if (welcomed[slot]) counts.welcomed--;
      welcomed[slot] = false;
      sockets[slot] = null;
      handshakeOver();
      if (!options.reconnect || stopping) return;
      setTimeout(
        () => {
          waiting.push(slot);
          openMore();
        },
        nextDelay(attempts[slot]!++),
      );
    },
  });
  sockets[slot] = socket;
}

function openMore(): void {
  while (opening < options.openingAtOnce && waiting.length > 0) open(waiting.shift()!);
}

// One timer pings the sockets of one bucket per tick, so each socket pings once per heartbeat.
let tick = 0;
const pinger = setInterval(() => {
  const buckets = Math.max(1, Math.round(heartbeatMs / TICK_MS));
  const bucket = tick++ % buckets;
  for (let slot = bucket; slot < options.count; slot += buckets) {
    if (welcomed[slot]) sockets[slot]!.write(PING);
  }
}, TICK_MS);

for (let slot = 0; slot < options.count; slot++) waiting.push(slot);
openMore();
const report = setInterval(() => {
  console.log(`lean ${JSON.stringify(counts)}`);
  if (counts.welcomed === options.count) console.log("lean ready");
}, 1000);
process.on("SIGTERM", () => {
  stopping = true;
  clearInterval(report);
  clearInterval(pinger);
  for (const socket of sockets) socket?.destroy();
  process.exit(0);
});
