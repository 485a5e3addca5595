/** Wire-protocol contract with a raw WebSocket: bad frames never crash the gateway, they close the socket with a clear code. */
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PROTOCOL_DEFAULTS } from "../../../gateway/src/protocol/index.ts";
import { apiClient } from "../../helpers/api.ts";
import { createAgent, createUser } from "../../helpers/fixtures.ts";
import { upgradeAnswer } from "../../helpers/upgrade.ts";
import type { GatewayContext } from "./index.ts";

interface Closed {
  code: number;
  reason: string;
  frames: any[];
  ms: number;
}

/** Opens a socket, sends `frames` once open, and resolves with how it closed. */
function session(url: string, frames: Array<string | Buffer>, query = ""): Promise<Closed> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/connect${query}`, {
      maxPayload: 64 * 1024 * 1024,
    });
    const received: any[] = [];
    ws.on("open", () => {
      for (const frame of frames) ws.send(frame);
    });
    ws.on("message", (data) => received.push(JSON.parse(data.toString())));
    ws.on("close", (code, reason) =>
      resolve({ code, reason: reason.toString(), frames: received, ms: Date.now() - started }),
    );
    ws.on("error", reject);
  });
}

/** Opens a socket at `/v1/connect<query>`, says `hello`, and resolves with the first frame or the close. */
function firstAnswer(
  url: string,
  query: string,
  hello: string,
): Promise<{ frame?: any; code?: number; reason?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/connect${query}`);
    ws.on("open", () => ws.send(hello));
    ws.on("message", (data) => {
      resolve({ frame: JSON.parse(data.toString()) });
      ws.close();
    });
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on("error", reject);
  });
}

export function protocolContract(ctx: () => GatewayContext): void {
  describe("wire protocol", () => {
    async function hello() {
      const { url, adminToken } = ctx().gateway;
      const user = await createUser(url, adminToken, `proto-${Math.random().toString(36).slice(2, 8)}`);
      const agent = await createAgent(user.api);
      return JSON.stringify({
        type: "hello",
        protocol: { min: 1, max: 1 },
        token: user.token,
        agent: agent.name,
      });
    }

    it("answers plain HTTP on the socket route with 426", async () => {
      const res = await apiClient(ctx().gateway.url).get("/v1/connect");
      expect(res.status).toBe(426);
      expect(res.body.error.code).toBe("upgrade_required");
    });

    it("takes the agent from ?agent= when hello names none, and refuses a socket whose ?agent= names another", async () => {
      const { url, adminToken } = ctx().gateway;
      const user = await createUser(url, adminToken, `proto-${Math.random().toString(36).slice(2, 8)}`);
      const [mine, other] = [await createAgent(user.api), await createAgent(user.api)];
      const hello = { type: "hello", protocol: { min: 1, max: 3 }, token: user.token };
      const named = await firstAnswer(url, `?agent=${mine.name}`, JSON.stringify(hello));
      expect(named.frame).toMatchObject({ type: "welcome", agent: { name: mine.name } });
      const crossed = await firstAnswer(
        url,
        `?agent=${encodeURIComponent(other.name)}`,
        JSON.stringify({ ...hello, agent: mine.name }),
      );
      expect(crossed).toMatchObject({ code: 4100, reason: "agent does not match the URL" });
      // Paths next to the socket's are not the socket, for an upgrade either.
      for (const path of ["/v1/connect/x", "/v1/connectx"])
        expect(await upgradeAnswer(url, path), path).toBe(404);
    });

    it("closes with 1002 on malformed JSON, unknown frame types, frames before hello and a second hello", async () => {
      const { url } = ctx().gateway;
      expect((await session(url, ["{nope"])).code).toBe(1002);
      expect((await session(url, [JSON.stringify({ type: "teleport" })])).code).toBe(1002);
      const early = await session(url, [JSON.stringify({ type: "chunk", id: "x", seq: 1, delta: "hi" })]);
      expect(early).toMatchObject({ code: 1002, reason: "first frame must be hello" });
      const h = await hello();
      const once = await session(url, [h]);
      // A single hello is welcomed; that silent socket is later closed by the heartbeat check, not as an error.
      expect(once.frames[0].type).toBe("welcome");
      expect(once.code).toBe(4000);
      const second = await new Promise<Closed>((resolve) => {
        const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/connect`);
        const frames: any[] = [];
        ws.on("open", () => ws.send(h));
        ws.on("message", (data) => {
          frames.push(JSON.parse(data.toString()));
          ws.send(h);
        });
        ws.on("close", (code, reason) => resolve({ code, reason: reason.toString(), frames, ms: 0 }));
      });
      expect(second.frames[0].type).toBe("welcome");
      expect(second.code).toBe(1002);
    });

    it("rejects a bad credential with the auth-failed code and an unsupported version with its own code", async () => {
      const { url } = ctx().gateway;
      const bad = await session(url, [
        JSON.stringify({ type: "hello", protocol: { min: 1, max: 1 }, token: "amk_x_0", agent: "a" }),
      ]);
      expect(bad.code).toBe(4100);
      const future = await session(url, [
        JSON.stringify({ type: "hello", protocol: { min: 7, max: 9 }, token: "t", agent: "a" }),
      ]);
      expect(future.code).toBe(4104);
    });

    it("negotiates the highest shared version from a range", async () => {
      const h = JSON.parse(await hello());
      const res = await session(ctx().gateway.url, [JSON.stringify({ ...h, protocol: { min: 1, max: 5 } })]);
      expect(res.frames[0]).toMatchObject({ type: "welcome", protocol: 3, resume: [], drop: [] });
      // A connector that speaks only version 1 (no permission prompts) is still served.
      const old = await session(ctx().gateway.url, [JSON.stringify({ ...h, protocol: { min: 1, max: 1 } })]);
      expect(old.frames[0]).toMatchObject({ type: "welcome", protocol: 1 });
    });

    it("closes with 1002 when the bad frame it quotes is not ASCII (the close reason stays within 123 bytes)", async () => {
      // Found by tests/fuzz: the reason quoted the type, cut at 120 UTF-16 units; over 123 bytes the runtime's close
      // threw, and the socket stayed open with the gateway believing it closed.
      const { url } = ctx().gateway;
      const closed = await session(url, [await hello(), JSON.stringify({ type: "ࠀ𐀀𐀀𐀀", id: "r" })]);
      expect(closed.code).toBe(1002);
      expect(closed.reason).toContain("invalid frame at type");
      expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
    });

    it("closes with 1009 and names the cap on a frame just over the size cap, and keeps serving", async () => {
      const { url } = ctx().gateway;
      const cap = PROTOCOL_DEFAULTS.maxFrameBytes;
      const big = await session(url, [
        await hello(),
        JSON.stringify({ type: "ping", pad: "x".repeat(cap + 1024) }),
      ]);
      expect(big.code).toBe(1009);
      expect(big.reason).toBe(`frame larger than ${cap} bytes`);
      expect((await apiClient(url).get("/health")).status).toBe(200);
    });

    it("closes the socket on a frame far over the size cap, and keeps serving", async () => {
      // Over the runtime's own cap too: the runtime closes with 1009 while the frame is still arriving, so the
      // kernel resets the connection over the unread bytes, and the reset may discard the close frame on its way
      // (seen through the cluster's load balancer). Either way the socket ends and nothing else is disturbed.
      const { url } = ctx().gateway;
      const huge = await session(url, [
        await hello(),
        JSON.stringify({ type: "ping", pad: "x".repeat(5 * 1024 * 1024) }),
      ]);
      expect([1009, 1006]).toContain(huge.code);
      expect((await apiClient(url).get("/health")).status).toBe(200);
    });

    it("closes sockets that never say hello (4001) and agents that stop heartbeating (4000)", async () => {
      const { url } = ctx().gateway;
      const silent = await session(url, []);
      expect(silent.code).toBe(4001);
      const quiet = await session(url, [await hello()]);
      expect(quiet.frames[0].type).toBe("welcome");
      expect(quiet.code).toBe(4000);
      expect(quiet.ms).toBeGreaterThanOrEqual(900);
    });

    it("answers pings with pongs", async () => {
      const { url } = ctx().gateway;
      const h = await hello();
      const frames = await new Promise<any[]>((resolve) => {
        const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/connect`);
        const got: any[] = [];
        ws.on("open", () => ws.send(h));
        ws.on("message", (data) => {
          got.push(JSON.parse(data.toString()));
          if (got.length === 1) ws.send(JSON.stringify({ type: "ping" }));
          else ws.close();
        });
        ws.on("close", () => resolve(got));
      });
      expect(frames.map((f) => f.type)).toEqual(["welcome", "pong"]);
    });
  });
}
