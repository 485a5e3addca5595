/**
 * Many idle agents from one process, as lean as the protocol allows: a raw `ws` socket per agent that sends
 * `hello`, then only pings at the interval the welcome asks for. Prints one status line per second and
 * `lean ready` once every socket got its welcome.
 *
 *   node --import tsx bench/agents/lean-agents.ts <url> <token> <namePrefix> <first> <count>
 */
import WebSocket from "ws";

const [url, token, prefix, firstArg, countArg] = process.argv.slice(2);
if (!url || !token || !prefix)
  throw new Error("usage: lean-agents.ts <url> <token> <prefix> <first> <count>");
const connectUrl = new URL("/v1/connect", url.replace(/^http/, "ws"));
const first = Number(firstArg);
const count = Number(countArg);
/** Sockets opening at once: enough to connect quickly, few enough not to trip the hello deadline. */
const OPENING_AT_ONCE = 100;
const PING = JSON.stringify({ type: "ping" });

const counts = { welcomed: 0, closed: 0, pongs: 0 };
const sockets: WebSocket[] = [];
const timers: ReturnType<typeof setInterval>[] = [];
let next = first;
let opening = 0;

function open(index: number): void {
  opening++;
  const socket = new WebSocket(connectUrl);
  sockets.push(socket);
  let welcomed = false;
  socket.on("open", () => {
    const hello = { type: "hello", protocol: { min: 1, max: 1 }, token, agent: `${prefix}${index}` };
    socket.send(JSON.stringify(hello));
  });
  socket.on("message", (data) => {
    const frame = JSON.parse(String(data)) as { type: string; heartbeat_ms?: number };
    if (frame.type === "pong") counts.pongs++;
    if (frame.type !== "welcome" || welcomed) return;
    welcomed = true;
    counts.welcomed++;
    opening--;
    // Spread the pings over the interval so the gateway sees a steady trickle, not a burst.
    const every = frame.heartbeat_ms ?? 15_000;
    setTimeout(() => {
      socket.send(PING);
      timers.push(setInterval(() => socket.send(PING), every));
    }, Math.random() * every);
    openMore();
  });
  socket.on("close", () => {
    counts.closed++;
    if (!welcomed) opening--;
    openMore();
  });
  socket.on("error", () => {
    // The close event that follows is counted.
  });
}

function openMore(): void {
  while (opening < OPENING_AT_ONCE && next < first + count) open(next++);
}

openMore();
const report = setInterval(() => {
  console.log(`lean ${JSON.stringify(counts)}`);
  if (counts.welcomed === count) console.log("lean ready");
}, 1000);
process.on("SIGTERM", () => {
  clearInterval(report);
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
