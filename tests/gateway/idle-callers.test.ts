/**
 * Callers' connections that send nothing, on Bun's real server (runtimes/bun/idle-callers.ts): a connection kept
 * alive with no next request, or whose body stopped arriving, is closed after `AGENT_MESH_IDLE_TIMEOUT_MS` (with
 * `idleTimeout: 0` both stayed open for good, a file each); and nothing that waits on the gateway's side is cut by
 * it: a synchronous call whose agent answers late (its body sent at once, or chunked), a long poll without a body,
 * an SSE stream quiet between its keepalives, an upload past the body cap that keeps sending for longer than the
 * timeout. On Node's server the same setting is its keep-alive timeout (Node's own is 5 s).
 *
 * Bun's timer ticks every 4 s, so with a timeout of 8 s a connection goes 4–8 s after its last activity; the
 * waits on the gateway's side below last 14 s or more.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../gateway/src/index.ts";
import { connectAgent, createAgent, createUser, echo } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { rawExchange } from "../helpers/raw-http.ts";
import { sleep } from "../helpers/wait.ts";

const IDLE_MS = 8_000;
/** Longer than the timeout plus a tick of Bun's timer. */
const LATE_MS = 14_000;
const MAX_BODY = 4 * 1024;
/** Past the timeout, with room for a loaded machine: a connection left open is a failure well before the test's. */
const CLOSED_WITHIN_MS = IDLE_MS + 6_000;

describe("AGENT_MESH_IDLE_TIMEOUT_MS", () => {
  it("defaults to a minute, or past a longer keepalive", () => {
    expect(configFromEnv({}).idleTimeoutMs).toBe(60_000);
    expect(configFromEnv({ AGENT_MESH_KEEPALIVE_MS: "90000" }).idleTimeoutMs).toBe(95_000);
    expect(configFromEnv({ AGENT_MESH_KEEPALIVE_MS: "300000" }).idleTimeoutMs).toBe(255_000);
  });

  it("refuses a timeout Bun cannot set, or one that would cut quiet SSE streams", () => {
    expect(configFromEnv({ AGENT_MESH_IDLE_TIMEOUT_MS: "120000" }).idleTimeoutMs).toBe(120_000);
    expect(() => configFromEnv({ AGENT_MESH_IDLE_TIMEOUT_MS: "300000" })).toThrow(/at most 255000/);
    expect(() => configFromEnv({ AGENT_MESH_IDLE_TIMEOUT_MS: "10000" })).toThrow(/AGENT_MESH_KEEPALIVE_MS/);
  });
});

// Concurrent: each case waits out the timeout or longer.
describe.concurrent("callers' idle connections on bun", () => {
  let gateway: GatewayProcess;
  let user: Awaited<ReturnType<typeof createUser>>;
  beforeAll(async () => {
    gateway = await startGateway({
      runtime: "bun",
      env: {
        AGENT_MESH_IDLE_TIMEOUT_MS: String(IDLE_MS),
        AGENT_MESH_KEEPALIVE_MS: "1000",
        AGENT_MESH_MAX_BODY_BYTES: String(MAX_BODY),
        AGENT_MESH_SYNC_TIMEOUT_MS: "30000",
      },
    });
    user = await createUser(gateway.url, gateway.adminToken, "idle-callers");
  });
  afterAll(async () => gateway?.stop());

  it("closes a connection kept alive with no next request", async () => {
    const { text, closedAfterMs } = await rawExchange(
      gateway.url,
      "GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n",
      CLOSED_WITHIN_MS,
    );
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAfterMs).toBeLessThan(IDLE_MS + 3_000);
  });

  it("closes a connection whose body stopped arriving", async () => {
    const head = `POST /v1/agents/nobody/messages HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${user.token}\r\n`;
    const { closedAfterMs } = await rawExchange(
      gateway.url,
      `${head}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mess`,
      CLOSED_WITHIN_MS,
    );
    expect(closedAfterMs).toBeLessThan(IDLE_MS + 3_000);
  });

  describe("while the gateway waits on its own side", () => {
    let agent: Awaited<ReturnType<typeof createAgent>>;
    let connected: Awaited<ReturnType<typeof connectAgent>>;
    beforeAll(async () => {
      agent = await createAgent(user.api);
      connected = await connectAgent(gateway.url, user.token, agent.name, async (request, reply) => {
        await sleep(LATE_MS);
        echo(request, reply);
      });
    });
    afterAll(() => connected?.stop());

    const call = (body: BodyInit, headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}/v1/agents/${agent.name}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json", ...headers },
        body,
        duplex: "half",
      } as RequestInit);

    it("a synchronous call gets its late answer", { timeout: 30_000 }, async () => {
      const res = await call(JSON.stringify({ message: "late" }));
      expect(res.status).toBe(200);
      expect((await res.json()).result).toBe("late");
    });

    it("a synchronous call with a chunked body gets its late answer", { timeout: 30_000 }, async () => {
      const bytes = new TextEncoder().encode(JSON.stringify({ message: "chunked" }));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
      const res = await call(body);
      expect(res.status).toBe(200);
      expect((await res.json()).result).toBe("chunked");
    });

    it("an SSE stream quiet for longer than the timeout lives on its keepalives", {
      timeout: 30_000,
    }, async () => {
      const res = await call(JSON.stringify({ message: "streamed" }), { accept: "text/event-stream" });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain(": keepalive");
      expect(text).toContain('"streamed"');
    });
  });

  it("a request without a body that waits longer than the timeout (an inbox's long poll) is answered", {
    timeout: 30_000,
  }, async () => {
    const agent = await createAgent(user.api);
    const started = Date.now();
    const res = await user.api.get(`/v1/agents/${agent.name}/inbox?wait=${LATE_MS / 1000}`);
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(LATE_MS);
  });

  it("an upload past the body cap that keeps sending is not cut", { timeout: 30_000 }, async () => {
    const agent = await createAgent(user.api);
    const part = new Uint8Array(1024).fill(120);
    const parts = 16; // one a second: longer than the timeout, never idle for it
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === parts) return controller.close();
        if (sent > 0) await sleep(1_000);
        controller.enqueue(part);
        sent++;
      },
    });
    const res = await fetch(`${gateway.url}/v1/attachments/rq_idle/slow.bin?agent=${agent.name}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${user.token}` },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ name: "slow.bin", size: parts * part.byteLength });
  });
});

describe("callers' idle connections on node", () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({
      runtime: "node",
      env: { AGENT_MESH_IDLE_TIMEOUT_MS: String(IDLE_MS), AGENT_MESH_KEEPALIVE_MS: "1000" },
    });
  });
  afterAll(async () => gateway?.stop());

  it("keeps a connection kept alive for the timeout, not Node's 5 s, and says so", async () => {
    const { text, closedAfterMs } = await rawExchange(
      gateway.url,
      "GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n",
      CLOSED_WITHIN_MS,
    );
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toMatch(/^keep-alive: timeout=8\r?$/im);
    expect(closedAfterMs).toBeGreaterThan(IDLE_MS - 1_000);
    expect(closedAfterMs).toBeLessThan(IDLE_MS + 3_000);
  });
});
