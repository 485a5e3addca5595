/**
 * The gateway's own work per agent connect, per close and per durable task, in process: requests go to the
 * gateway's `fetch` as Web `Request`s, and each agent socket is an object that keeps what is sent to it. What is
 * measured is the gateway's code (Hono's routing, auth, frame validation, the relay, the fs store with sync
 * `always`) without the runtime's HTTP server, WebSocket framing or the kernel's sockets. Beside the server
 * figures of `npm run bench` (capacity, durable tasks) it says how much of a server's CPU per connect or per task
 * is the gateway's own code. A measurement, not a test.
 *
 * Wall time is the main thread's; CPU is the whole process's (the JIT compiler and the garbage collector run on
 * threads of their own), so CPU above wall is work off the main thread. Pin it to one CPU (`taskset -c 1`) to see
 * that work in the wall time too, and to make runs repeatable. On Node, each `new Request` is undici's, dearer
 * than the request object @hono/node-server hands the gateway, so Node's figures overstate its cost.
 *
 *   npx bun bench/gateway-path.ts [agents=8000] [waves=3] [tasks=40000]
 *   npx tsx bench/gateway-path.ts …        npx deno run -A bench/gateway-path.ts …
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWebSocketHelper, type WSContext, type WSEvents } from "hono/ws";
import { createGateway } from "../gateway/src/index.ts";
import { PROTOCOL_VERSION } from "../gateway/src/protocol/index.ts";
import { createStoresFromEnv } from "../runtimes/shared/store-from-env.ts";

const agents = Number(process.argv[2] ?? 8000);
const waves = Number(process.argv[3] ?? 3);
const tasks = Number(process.argv[4] ?? 40_000);
/** Windows per wave (or per task run): the JIT keeps speeding the path up for thousands of requests. */
const WINDOWS = 4;
/** Requests in flight at once while tasks are sent, as the bench's 32 senders. */
const SENDERS = 32;
const ORIGIN = "http://gateway.test";
const ADMIN_TOKEN = "gateway-path-admin";

const { bun, deno } = process.versions as Record<string, string | undefined>;
const RUNTIME = bun ? "bun" : deno ? "deno" : "node";
const RUNTIME_VERSION = bun ?? deno ?? process.versions.node;

const dataDir = mkdtempSync(join(tmpdir(), "agent-mesh-gateway-path-"));
const { store, blobs } = await createStoresFromEnv({ AGENT_MESH_STORE: "fs", AGENT_MESH_DATA_DIR: dataDir });

/** The socket events the connect route made for the upgrade just served. */
let upgraded: WSEvents | undefined;
const upgradeWebSocket = defineWebSocketHelper((_c, events) => {
  upgraded = events;
  return new Response(null);
});
const gateway = createGateway({
  runtime: RUNTIME,
  store,
  blobs,
  upgradeWebSocket,
  adminToken: ADMIN_TOKEN,
  // As in the bench: the per-token limit is counted on every call but never reached.
  config: { rateLimit: { limit: 1_000_000_000, windowSeconds: 3600 } },
});
await gateway.init();

async function call(token: string, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body === undefined) return gateway.fetch(new Request(`${ORIGIN}${path}`, { method, headers }));
  const text = JSON.stringify(body);
  headers["content-type"] = "application/json";
  // Declared, as every HTTP client does (a body without a length is counted as it streams: another path).
  headers["content-length"] = String(Buffer.byteLength(text));
  return gateway.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body: text }));
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Times `count` steps in `WINDOWS` windows: µs of main-thread wall time and of process CPU per unit of work, a step
 * doing `unitsPerStep` units.
 */
async function windows(
  label: string,
  count: number,
  step: (i: number) => Promise<void>,
  unitsPerStep = 1,
): Promise<void> {
  const size = Math.ceil(count / WINDOWS);
  for (let first = 0; first < count; first += size) {
    const last = Math.min(count, first + size);
    const wall = performance.now();
    const cpu = cpuMs();
    for (let i = first; i < last; i++) await step(i);
    const units = (last - first) * unitsPerStep;
    const perUnit = (ms: number) => ((ms / units) * 1000).toFixed(1);
    console.log(
      `${label} ${first * unitsPerStep}–${last * unitsPerStep}: ${perUnit(performance.now() - wall)} µs wall, ${perUnit(cpuMs() - cpu)} µs CPU`,
    );
  }
}

interface FakeSocket {
  events: WSEvents;
  context: WSContext;
}

/** Upgrade, open and hello, until the gateway sends `welcome`. */
async function connect(token: string, name: string): Promise<FakeSocket> {
  const res = await gateway.fetch(new Request(`${ORIGIN}/v1/connect`, { headers: { upgrade: "websocket" } }));
  if (res.status !== 200 || !upgraded) throw new Error(`upgrade answered ${res.status}`);
  const events = upgraded;
  upgraded = undefined;
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const welcomed = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  const context = {
    readyState: 1,
    send: (data: string) => (data.includes('"welcome"') ? resolve() : undefined),
    close: (code: number, reason: string) => reject(new Error(`closed ${code}: ${reason}`)),
  } as unknown as WSContext;
  events.onOpen?.(new Event("open"), context);
  const hello = { type: "hello", token, agent: name, protocol: { min: 1, max: PROTOCOL_VERSION } };
  events.onMessage?.({ data: JSON.stringify(hello) } as MessageEvent, context);
  await welcomed;
  return { events, context };
}

try {
  const created = await call(ADMIN_TOKEN, "POST", "/v1/tokens", { name: "gateway-path" });
  const { token } = (await created.json()) as { token: string };
  for (let i = 0; i < agents; i++) {
    const res = await call(token, "POST", "/v1/agents", { name: `idle-${i}` });
    if (res.status !== 201) throw new Error(`creating an agent: ${res.status} ${await res.text()}`);
  }
  console.log(`${RUNTIME} ${RUNTIME_VERSION}: ${agents} agents on the fs store (sync always)`);

  for (let wave = 1; wave <= waves; wave++) {
    const sockets: FakeSocket[] = [];
    await windows(`wave ${wave}, connects`, agents, async (i) => {
      sockets.push(await connect(token, `idle-${i}`));
    });
    // Each close stamps the agent's `last_seen` (a journal write, synced); the pause lets those writes finish.
    const cpu = cpuMs();
    for (const { events, context } of sockets) events.onClose?.(new Event("close") as CloseEvent, context);
    await new Promise((done) => setTimeout(done, 1000));
    console.log(
      `wave ${wave}, closes: ${(((cpuMs() - cpu) / agents) * 1000).toFixed(1)} µs CPU (with 1 s after)`,
    );
  }

  const body = { message: "summarise the logs of last night", async: true };
  let sent = 0;
  // Tasks go out `SENDERS` at a time, to agents that are offline (they stay queued, as in the bench).
  const send = async () => {
    const res = await call(token, "POST", `/v1/agents/idle-${sent++ % agents}/messages`, body);
    if (res.status !== 202) throw new Error(`sending a task: ${res.status} ${await res.text()}`);
  };
  const batch = () => Promise.all(Array.from({ length: SENDERS }, send)).then(() => undefined);
  await windows("durable tasks", Math.ceil(tasks / SENDERS), batch, SENDERS);
} finally {
  gateway.dispose();
  await store.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
