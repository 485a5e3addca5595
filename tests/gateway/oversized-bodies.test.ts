/**
 * A body over the cap gets its 413 even while the client is still sending it: the gateway reads and drops a
 * declared oversized body (up to four times the cap) before refusing it, instead of closing the connection under
 * the client's feet (it then saw a reset, not the 413). Beyond that bound the connection is closed at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";

const CAP = 1024 * 1024;

for (const runtime of ["node", "bun", "deno"] as RuntimeName[]) {
  describe(`oversized bodies on ${runtime}`, () => {
    let gateway: GatewayProcess;
    let post: (body: string) => Promise<Response>;
    beforeAll(async () => {
      gateway = await startGateway({ runtime });
      const user = await createUser(gateway.url, gateway.adminToken, `big-${runtime}`);
      const agent = await createAgent(user.api);
      post = (body) =>
        fetch(`${gateway.url}/v1/agents/${agent.name}/messages`, {
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
  });
}
