/**
 * Many idle agents from one process, as lean as the protocol allows: a raw WebSocket per agent (raw-websocket.ts:
 * a TCP socket speaking just enough of RFC 6455, so the generator spends less per connect than the server) that sends
 * `hello`, then only pings at the interval the welcome asks for (one timer for the whole process, pinging a slice
 * of the sockets per tick, so the generator itself stays light). Sockets are spread over several loopback source
 * addresses, because one source address reaches one server port through at most ~28,000 ephemeral ports, and each
 * agent connects from a port of its own below the ephemeral range (see SocketSource): agent i from address
 * i mod n, port 10,000 + ⌊i ÷ n⌋, so generators given disjoint agents never bind the same source.
 *
 * With `reconnect`, a closed socket reconnects after the connector's own jittered backoff
 * (connector/src/client/backoff.ts), as a fleet of real connectors does after a gateway restart.
 *
 * Prints `lean {json}` once a second: sockets welcomed now, ever, closes, pongs, and the epoch ms of the first
 * open attempt and of the latest welcome; `lean ready` each time every socket is welcomed.
 *
 *   bun bench/agents/lean-agents.ts '<json options>'   (see LeanOptions)
 */
import { nextDelay } from "../../connector/src/client/backoff.ts";
import { noCounts } from "./lean-counts.ts";
import { clientFrame, openRawWebSocket, type RawWebSocket, type SocketSource } from "./raw-websocket.ts";

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
/** Source ports are chosen from here up to the ephemeral range, where the kernel picks its own. */
const SOURCE_PORTS = { from: 10_000, below: 32_768 };

const counts = noCounts();
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const sockets: (RawWebSocket | null)[] = new Array(options.count).fill(null);
const welcomed: boolean[] = new Array(options.count).fill(false);
const attempts: number[] = new Array(options.count).fill(0);
/** Slots whose chosen source port something else holds: they let the kernel pick one. */
const portTaken: boolean[] = new Array(options.count).fill(false);
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
  const source = sourceOf(index, portTaken[slot]!);
  let settled = false;
  const handshakeOver = () => {
    if (settled) return;
    settled = true;
    opening--;
    openMore();
  };
  const socket = openRawWebSocket(connectUrl, source, {
    open() {
      const hello = {
        type: "hello",
        protocol: { min: 1, max: 1 },
        token: options.token,
        agent: `${options.prefix}${index}`,
      };
      socket.send(clientFrame(JSON.stringify(hello)));
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
    closed(errorCode) {
      // The chosen source port is held by a socket of someone else (EADDRNOTAVAIL: one to the same server).
      if (errorCode === "EADDRINUSE" || errorCode === "EADDRNOTAVAIL") portTaken[slot] = true;
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

/**
 * Agent `index`'s source. Reconnects use the same port (the kernel reuses a loopback port in TIME_WAIT for a new
 * connection); if something else holds it, the kernel picks one.
 */
function sourceOf(index: number, portTaken: boolean): SocketSource | undefined {
  const addresses = options.sourceAddresses;
  if (addresses.length === 0) return undefined;
  const address = addresses[index % addresses.length]!;
  const port = SOURCE_PORTS.from + Math.floor(index / addresses.length);
  return portTaken || port >= SOURCE_PORTS.below ? { address } : { address, port };
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
    if (welcomed[slot]) sockets[slot]!.send(PING);
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
