/**
 * The Node entry reads small request bodies before the app sees the request (runtimes/node/small-bodies.ts). Every
 * shape of body must still arrive whole: small, just over the read-ahead size, chunked; and a client that dies
 * mid-body must leave the gateway serving. An answer given before a body too large to wait for says the connection
 * closes (runtimes/node/early-answers.ts; oversized-bodies.test.ts has the rest of that on every runtime).
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRAIN_BYTES } from "../../runtimes/node/early-answers.ts";
import { SMALL_BODY_BYTES } from "../../runtimes/node/small-bodies.ts";
import { connectAgent, createAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";

describe("request bodies on the Node entry", () => {
  let gateway: GatewayProcess;
  let user: Awaited<ReturnType<typeof createUser>>;
  let path: string;
  let echo: TestAgent;
  beforeAll(async () => {
    gateway = await startGateway({ runtime: "node" });
    user = await createUser(gateway.url, gateway.adminToken, "bodies");
    const agent = await createAgent(user.api);
    path = `/v1/agents/${agent.name}/messages`;
    echo = await connectAgent(gateway.url, user.token, agent.name, (request, reply) =>
      reply.done(request.message),
    );
  });
  afterAll(async () => {
    echo?.stop();
    await gateway?.stop();
  });

  /** POSTs `body` in `pieces`, with a declared length unless `chunked`; resolves with the status and body. */
  function post(body: string, options: { chunked?: boolean; pieces?: number } = {}) {
    const { port } = new URL(gateway.url);
    const headers: Record<string, string> = {
      authorization: `Bearer ${user.token}`,
      "content-type": "application/json",
    };
    if (!options.chunked) headers["content-length"] = String(Buffer.byteLength(body));
    return new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method: "POST", headers }, (res) => {
        let text = "";
        res.on("data", (part) => {
          text += part;
        });
        res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on("error", reject);
      const size = Math.ceil(body.length / (options.pieces ?? 1));
      for (let at = 0; at < body.length; at += size) req.write(body.slice(at, at + size));
      req.end();
    });
  }

  const call = (message: string) => JSON.stringify({ message });

  it("takes small bodies, bodies just over the read-ahead size, and chunked bodies whole", async () => {
    const big = "x".repeat(SMALL_BODY_BYTES + 1);
    for (const [message, options] of [
      ["small", { pieces: 3 }],
      [big, { pieces: 5 }],
      ["chunked", { chunked: true, pieces: 4 }],
    ] as const) {
      const answer = await post(call(message), options);
      expect(answer.status).toBe(200);
      expect(answer.body.result).toBe(message);
    }
  });

  it("keeps serving after a client dies mid-body", async () => {
    const { port } = new URL(gateway.url);
    await new Promise<void>((resolve) => {
      const req = request({
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { authorization: `Bearer ${user.token}`, "content-length": "1000" },
      });
      req.on("error", () => resolve());
      req.write('{"message":"', () => setTimeout(() => req.destroy(), 50));
    });
    expect((await post(call("after"))).body.result).toBe("after");
    expect(gateway.output()).not.toMatch(/Unhandled|uncaught/i);
  });

  it("says Connection: close when it answers before a body too large to wait for", async () => {
    // A skill upload (its size is the registry's to judge, past the gateway's body limit) refused by its token.
    const answer = await fetch(`${gateway.url}/v1/skills/someone/some-skill/1.0.0`, {
      method: "PUT",
      headers: { authorization: "Bearer not-a-token", "content-type": "application/zip" },
      body: new Uint8Array(DRAIN_BYTES + 1024 * 1024),
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("connection")).toBe("close");
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });
});
