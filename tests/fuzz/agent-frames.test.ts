/**
 * Property: whatever a connected agent's socket sends (random JSON, near-valid frames, odd seqs, unknown types,
 * binary frames, invalid UTF-8, oversized frames, frames before `hello`), a real gateway process either ignores it
 * or closes with a documented close code — never 1011 or a dropped connection — while other agents and callers keep
 * working, and a caller waiting on that agent gets an answer or an error with a code, within its timeout.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { nearValid } from "./support/arbitraries.ts";
import { oversized, type WireFrame, wireFrame } from "./support/frame-arbitraries.ts";
import { SNAKE_CASE } from "./support/known-codes.ts";
import {
  ALLOWED_CLOSES,
  finish,
  openAgentSocket,
  type RawAgentSocket,
  sendHello,
} from "./support/raw-agent-socket.ts";
import { FUZZ_SCALE, FUZZ_TIMEOUT } from "./support/scale.ts";

const MAX_FRAME_BYTES = 64 * 1024;
const SYNC_TIMEOUT_MS = 3000;
const GRACE_MS = 300;

let gateway: GatewayProcess;
let healthy: TestAgent;
const ids = { aliceToken: "", bobToken: "", target: "", healthy: "" };

function post(path: string, token: string, body: unknown, signal?: AbortSignal) {
  return fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

const text = (frame: unknown): WireFrame => ({ kind: "text", data: JSON.stringify(frame) });

const hello = (socket: RawAgentSocket) => sendHello(socket, ids.aliceToken, ids.target);

function sendFrame(socket: RawAgentSocket, frame: WireFrame, requestId: string): void {
  if (!socket.isOpen()) return;
  if (frame.kind === "text") socket.ws.send(frame.data.replaceAll('"REQ"', JSON.stringify(requestId)));
  else socket.ws.send(frame.data, { binary: frame.binary });
}

async function otherAgentStillAnswers(): Promise<void> {
  const res = await post(`/v1/agents/${ids.healthy}/messages`, ids.bobToken, { message: "ping" });
  const body = await res.json();
  if (res.status !== 200 || body.result !== "ping")
    throw new Error(`healthy agent: ${res.status} ${JSON.stringify(body)}`);
}

describe("fuzz: agent frames", FUZZ_TIMEOUT, () => {
  beforeAll(async () => {
    gateway = await startGateway({
      runtime: "node",
      env: {
        AGENT_MESH_RATE_LIMIT: "off",
        AGENT_MESH_GRACE_MS: String(GRACE_MS),
        AGENT_MESH_SYNC_TIMEOUT_MS: String(SYNC_TIMEOUT_MS),
        AGENT_MESH_MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
      },
    });
    const alice = await createUser(gateway.url, gateway.adminToken, `alice${Date.now().toString(36)}`);
    const bob = await createUser(gateway.url, gateway.adminToken, `bob${Date.now().toString(36)}`);
    ids.aliceToken = alice.token;
    ids.bobToken = bob.token;
    ids.target = (await createAgent(alice.api, { visibility: "public" })).id;
    ids.healthy = (await createAgent(alice.api, { visibility: "public" })).id;
    healthy = await connectAgent(gateway.url, alice.token, ids.healthy);
  });

  afterAll(async () => {
    healthy?.stop();
    await gateway?.stop();
  });

  it("frames with no caller waiting: ignored or closed with a documented code; other agents keep working", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          helloFirst: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, fc.constant(false)),
          frames: fc.array(wireFrame, { minLength: 1, maxLength: 8 }),
          tooBig: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, fc.constant(true)),
        }),
        async ({ helloFirst, frames, tooBig }) => {
          const socket = await openAgentSocket(gateway.url);
          if (helloFirst) await hello(socket);
          for (const frame of tooBig ? [...frames, oversized(MAX_FRAME_BYTES)] : frames)
            sendFrame(socket, frame, "r-unknown");
          const code = await finish(socket);
          if (code !== null && !ALLOWED_CLOSES.has(code))
            throw new Error(`closed with undocumented code ${code}`);
          // An earlier bad frame may have closed it first; either way an oversized frame never leaves it open.
          if (tooBig && code === null) throw new Error("an oversized frame left the socket open");
          await otherAgentStillAnswers();
        },
      ),
      { numRuns: Math.ceil(200 * FUZZ_SCALE) },
    );
  });

  it("a hello with a valid credential and any other field mutated: welcome, or a documented close", async () => {
    const template = () => ({
      type: "hello",
      protocol: { min: 1, max: 3 },
      token: ids.aliceToken,
      agent: ids.target,
      max_inflight: 4,
      inflight: [{ id: "r-held", seq: 3 }],
      client: { name: "fuzz", version: "1.0.0", adapter: "exec" },
    });
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => nearValid(template())),
        async (hello) => {
          const socket = await openAgentSocket(gateway.url);
          socket.ws.send(JSON.stringify(hello));
          const welcome = await socket.next("welcome", 1500);
          const code = await finish(socket);
          if (code !== null && !ALLOWED_CLOSES.has(code))
            throw new Error(`closed with undocumented code ${code}`);
          if (!welcome && code === null) throw new Error("neither a welcome nor a close");
          outcomes.add(welcome ? "welcome" : `close ${code}`);
          await otherAgentStillAnswers();
        },
      ),
      { numRuns: Math.ceil(80 * FUZZ_SCALE) },
    );
    expect(outcomes.has("welcome")).toBe(true);
    expect([...outcomes].some((o) => o.startsWith("close"))).toBe(true);
  });

  it("a caller waiting on a fuzzed agent gets an answer or a coded error within its timeout", async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(wireFrame, { minLength: 1, maxLength: 6 }), async (frames) => {
        const socket = await openAgentSocket(gateway.url);
        await hello(socket);
        const started = Date.now();
        const deadline = AbortSignal.timeout(SYNC_TIMEOUT_MS + GRACE_MS + 3000);
        const answer = post(`/v1/agents/${ids.target}/messages`, ids.bobToken, { message: "fuzz" }, deadline);
        const request = await socket.next("request", 3000);
        if (!request) throw new Error("the agent never got the caller's request");
        for (const frame of frames) sendFrame(socket, frame, String(request.id));
        const code = await finish(socket);
        if (code !== null && !ALLOWED_CLOSES.has(code))
          throw new Error(`closed with undocumented code ${code}`);
        const res = await answer.catch((error) => {
          throw new Error(`the caller hung for ${Date.now() - started} ms: ${error}`);
        });
        const body = await res.json();
        if (res.status === 200) {
          if (typeof body.result !== "string")
            throw new Error(`200 without a result: ${JSON.stringify(body)}`);
        } else if (![429, 502, 503, 504].includes(res.status) || !SNAKE_CASE.test(body?.error?.code ?? "")) {
          throw new Error(`caller got ${res.status} ${JSON.stringify(body)}`);
        }
        const key = `${res.status} ${body?.error?.code ?? ""}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        await otherAgentStillAnswers();
      }),
      {
        numRuns: Math.ceil(25 * FUZZ_SCALE),
        // Always also the two honest endings, so both outcomes below are reached whatever the seed.
        examples: [
          [
            [
              text({ type: "chunk", id: "REQ", seq: 1, delta: "a" }),
              text({ type: "done", id: "REQ", seq: 2, result: "a" }),
            ],
          ],
          [[text({ type: "error", id: "REQ", seq: 1, code: "agent_failed", message: "broken" })]],
        ],
      },
    );
    // Both ends were reached: some fuzzed agents still answered, others failed the call with a code.
    expect([...outcomes.keys()].some((k) => k.startsWith("200"))).toBe(true);
    expect([...outcomes.keys()].some((k) => !k.startsWith("200"))).toBe(true);
  });
});
