/**
 * A chunked skill upload (no Content-Length) over the archive cap gets `413 archive_too_large` at once from a real
 * gateway process. On Bun it got no answer at all: the registry awaited `reader.cancel()`, which never settled.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../skills-registry/src/limits.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";

/** Sends `total` bytes chunked and stops sending once an answer arrives; resolves with status and body. */
function chunkedPut(url: string, token: string, total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
    });
    let answered = false;
    req.on("response", (response) => {
      answered = true;
      let body = "";
      response.on("data", (data: Buffer) => {
        body += data.toString();
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      response.on("error", reject);
    });
    // The server may close the connection under us once it has answered; only an error before the answer counts.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 1);
    let sent = 0;
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe.each<RuntimeName>([
  "bun",
  "deno",
  "node",
])("chunked upload over the archive cap (%s gateway)", (runtime) => {
  let gateway: GatewayProcess;
  let token = "";

  beforeAll(async () => {
    gateway = await startGateway({ runtime, store: "memory" });
    const response = await fetch(`${gateway.url}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${gateway.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bob" }),
    });
    token = ((await response.json()) as { token: string }).token;
  }, 30_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers 413 archive_too_large within seconds", async () => {
    const started = Date.now();
    const answer = await Promise.race([
      chunkedPut(`${gateway.url}/v1/skills/bob/big/1.0.0`, token, LIMITS.archiveBytes * 3),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer in 10 s")), 10_000)),
    ]);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe("archive_too_large");
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
