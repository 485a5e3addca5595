// Scratch: allocation sampling (garbage included) of in-process /v1 JSON calls on Node, by function.
import { Session } from "node:inspector/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineWebSocketHelper, type WSContext, type WSEvents } from "hono/ws";
const ROOT = process.env.ROOT ?? "/work/main";
const { createGateway } = await import(`${ROOT}/gateway/src/index.ts`);
const { PROTOCOL_VERSION } = await import(`${ROOT}/gateway/src/protocol/index.ts`);
const { createStoresFromEnv } = await import(`${ROOT}/runtimes/shared/store-from-env.ts`);
const { store, blobs } = await createStoresFromEnv({ AGENT_MESH_STORE: process.env.STORE ?? "memory", AGENT_MESH_DATA_DIR: mkdtempSync(join(tmpdir(), "h-")) });
let upgraded: WSEvents | undefined;
const upgradeWebSocket = defineWebSocketHelper((_c, events) => { upgraded = events; return new Response(null); });
const gateway = createGateway({ runtime: "node", store, blobs, upgradeWebSocket, adminToken: "adm", config: { rateLimit: { limit: 1e9, windowSeconds: 3600 } } });
await gateway.init();
async function call(token: string, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const text = body === undefined ? undefined : JSON.stringify(body);
  if (text) headers["content-length"] = String(text.length);
  return gateway.fetch(new Request(`http://g.test${path}`, { method, headers, body: text }));
}
const { token } = await (await call("adm", "POST", "/v1/tokens", { name: "x" })).json();
await call(token, "POST", "/v1/agents", { name: "echo" });
const events = gateway.agentSocket("GET", "/v1/connect", "websocket") as WSEvents;
let welcomed!: () => void;
const ready = new Promise<void>((r) => (welcomed = r));
const context = { readyState: 1, close: () => {}, send(d: string) {
  if (d.includes('"welcome"')) return welcomed();
  const f = JSON.parse(d);
  if (f.type === "request") queueMicrotask(() => events.onMessage!({ data: JSON.stringify({ type: "done", id: f.id, seq: 1, result: `echo: ${f.message}` }) } as MessageEvent, context));
} } as unknown as WSContext;
events.onOpen!(new Event("open"), context);
events.onMessage!({ data: JSON.stringify({ type: "hello", token, agent: "echo", protocol: { min: 1, max: PROTOCOL_VERSION } }) } as MessageEvent, context);
await ready;
const one = async () => { const r = await call(token, "POST", "/v1/agents/echo/messages", { message: "hi" }); if (r.status !== 200) throw new Error(`${r.status}`); await r.text(); };
for (let i = 0; i < 3000; i++) await one();
const session = new Session(); session.connect();
await session.post("HeapProfiler.startSampling", { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const N = 20000;
for (let i = 0; i < N; i++) await one();
const { profile } = await session.post("HeapProfiler.stopSampling");
const self = new Map<string, number>();
const walk = (node: any) => { const f = node.callFrame; const key = `${f.functionName || "(anon)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`; self.set(key, (self.get(key) ?? 0) + node.selfSize); for (const c of node.children) walk(c); };
walk(profile.head);
const rows = [...self].sort((a, b) => b[1] - a[1]);
const total = rows.reduce((s, [, v]) => s + v, 0);
console.log(`total ${(total / N).toFixed(0)} B per call`);
for (const [k, v] of rows.slice(0, 45)) console.log(`${(v / N).toFixed(0).padStart(6)} B  ${k}`);
process.exit(0);
