/**
 * Requests Node's HTTP parser refuses before any route runs (runtimes/node/client-errors.ts) still get the
 * gateway's error body: a URL and headers over 16 KiB, and malformed HTTP. The gateway keeps serving after them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { parseRawAnswer, rawExchange } from "../helpers/raw-http.ts";

const exchange = async (url: string, raw: string) => (await rawExchange(url, raw)).text;
const parse = parseRawAnswer;

describe("requests the Node HTTP parser refuses", () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ runtime: "node" });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers headers over the limit with 431 headers_too_large", async () => {
    const answer = parse(
      await exchange(
        gateway.url,
        `GET /v1/agents/${"a".repeat(5000)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"x".repeat(20_000)}\r\n\r\n`,
      ),
    );
    expect(answer.status).toBe(431);
    expect(answer.contentType).toBe("application/json");
    expect(answer.body.error.code).toBe("headers_too_large");
    expect(answer.body.error.message).toMatch(/shorten/);
  });

  it("answers malformed HTTP with 400 malformed_request", async () => {
    const answer = parse(await exchange(gateway.url, "GET / HTTP/1.1\r\nHost x\r\n\r\n"));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("malformed_request");
  });

  it("keeps serving afterwards", async () => {
    const res = await fetch(`${gateway.url}/health`);
    expect(res.status).toBe(200);
    expect(gateway.output()).not.toMatch(/Unhandled|uncaught/i);
  });
});
