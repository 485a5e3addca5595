/**
 * HTTP/1.0 requests without a Host header (HTTP/1.0 does not require one: old tools, health probes, scanners), on
 * each runtime's real server. Bun hands such a request to `fetch` with its URL as sent, a bare path, and the
 * gateway answered every one with `500 internal_error` (and logged it); Node and Deno fill in the server's own host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { parseRawAnswer, rawExchange } from "../helpers/raw-http.ts";

/** Sends `raw` (HTTP/1.0: the gateway closes after answering) and resolves with the status and parsed body. */
async function exchange(url: string, raw: string): Promise<{ status: number; body: any }> {
  return parseRawAnswer((await rawExchange(url, raw)).text);
}

for (const runtime of ["bun", "node", "deno"] as RuntimeName[]) {
  describe(`requests without a Host header, on ${runtime}`, () => {
    let gateway: GatewayProcess;
    beforeAll(async () => {
      gateway = await startGateway({ runtime });
    });
    afterAll(async () => gateway?.stop());

    it("are served as any other", async () => {
      const health = await exchange(gateway.url, "GET /health HTTP/1.0\r\n\r\n");
      expect(health).toMatchObject({ status: 200, body: { ok: true, runtime } });
      const missing = await exchange(gateway.url, "GET /v1/nowhere HTTP/1.0\r\n\r\n");
      expect(missing).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
      const body = '{"name":"x"}';
      const post = await exchange(
        gateway.url,
        `POST /v1/agents HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(post).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    });
  });
}
