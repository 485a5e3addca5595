/**
 * Every gateway route fits Hono's RegExpRouter (one regular expression per method), which the SmartRouter picks
 * only when all routes do; one shape it refuses put every request on the slower TrieRouter. The routes rewritten
 * for it keep their answers: `/dl/agent-mesh.tgz` and `/inbox/ack` still route, other names are still 404s.
 */
import { afterAll, describe, expect, it } from "vitest";
import { IN_PROCESS_ADMIN_TOKEN, inProcessGateway } from "../helpers/in-process-gateway.ts";

describe("gateway routing", () => {
  const gateway = inProcessGateway();
  afterAll(() => gateway.dispose());
  const request = (method: string, path: string, body?: unknown) =>
    gateway.fetch(
      new Request(`http://gateway.test${path}`, {
        method,
        headers: { authorization: `Bearer ${IN_PROCESS_ADMIN_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );

  it("runs on the RegExpRouter", async () => {
    expect((await request("GET", "/health")).status).toBe(200);
    const router = gateway.app.router as unknown as { name: string; activeRouter?: { name: string } };
    expect(router.activeRouter?.name ?? router.name).toBe("RegExpRouter");
  });

  it("keeps the answers of the rewritten routes", async () => {
    await gateway.init();
    // No connector package in this gateway: both names say so, any other name is still refused by /dl/.
    const latest = await request("GET", "/dl/agent-mesh.tgz");
    expect([latest.status, await latest.text()]).toEqual([
      404,
      expect.stringMatching(/^connector_unavailable: /),
    ]);
    const other = await request("GET", "/dl/other.tgz");
    expect([other.status, await other.text()]).toEqual([
      404,
      expect.stringMatching(/^connector_unavailable: /),
    ]);

    const created = await request("POST", "/v1/agents", { name: "router-probe" });
    expect(created.status).toBe(201);
    const ack = await request("POST", "/v1/agents/router-probe/inbox/ack", {
      ids: [`msg_${"0".repeat(26)}`],
    });
    expect(ack.status).toBe(200);
    const unknown = await request("POST", "/v1/agents/router-probe/inbox/nack", { ids: [] });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("not_found");
    const anonymous = await gateway.fetch(
      new Request("http://gateway.test/v1/agents/router-probe/inbox/nack", { method: "POST" }),
    );
    expect(anonymous.status).toBe(404);
  });
});
