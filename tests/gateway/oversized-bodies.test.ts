/**
 * A body over the cap gets its 413 even while the client is still sending it: the gateway reads and drops a
 * declared oversized body (up to four times the cap) before refusing it, instead of closing the connection under
 * the client's feet (it then saw a reset, not the 413). Beyond that bound the connection is closed at once.
 * Any other answer given before the body arrived (a refusal by token) leaves the connection able to carry the
 * client's next request, or says it does not.
 */
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { startSlowLink } from "../helpers/slow-link.ts";

const CAP = 1024 * 1024;

for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
  describe(`oversized bodies on ${runtime}`, () => {
    let gateway: GatewayProcess;
    let path: string;
    let post: (body: string) => Promise<Response>;
    beforeAll(async () => {
      gateway = await startGateway({ runtime });
      const user = await createUser(gateway.url, gateway.adminToken, `big-${runtime}`);
      const agent = await createAgent(user.api);
      path = `/v1/agents/${agent.name}/messages`;
      post = (body) =>
        fetch(`${gateway.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
          body,
        });
    });
    afterAll(async () => gateway?.stop());

    it("answers 413 body_too_large to a client still sending 3 MiB, again and again", async () => {
      const body = JSON.stringify({ message: "x".repeat(3 * CAP) });
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await post(body);
        expect(res.status).toBe(413);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
      }
      const fine = await post(JSON.stringify({ message: "small", async: true }));
      expect(fine.status).toBe(202);
    });

    it("serves the client's next request on the connection after refusing one whose body was still arriving", async () => {
      // A client on a slow uplink (a busy machine does the same): undici's fetch writes the body into its socket,
      // takes the connection for free once answered, and sends its next request on it (one connection, so on it).
      // On Node the answer was sent at once and the connection closed 500 ms later, under that next request.
      const link = await startSlowLink(gateway.url, 512 * 1024);
      const dispatcher = new Agent({ connections: 1 });
      try {
        const refused = await undiciFetch(`${link.url}${path}`, {
          method: "POST",
          headers: { authorization: "Bearer not-a-token", "content-type": "application/json" },
          body: JSON.stringify({ message: "x".repeat(900_000) }),
          dispatcher,
        });
        expect(refused.status).toBe(401);
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
        const next = await undiciFetch(`${link.url}/health`, { dispatcher });
        expect(next.status).toBe(200);
      } finally {
        await dispatcher.destroy();
        await link.stop();
      }
    });
  });
}
