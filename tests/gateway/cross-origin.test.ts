/**
 * CORS (gateway/src/doors/cross-origin.ts): the pages allowed to use the gateway from a browser (localhost,
 * AGENT_MESH_ALLOWED_ORIGINS) get their preflights answered and can read answers and the headers
 * they need; other pages get no CORS headers, and `/mcp` still refuses them. Before, no page could: a preflight
 * got `404`, so even an allowed origin could not use `/mcp` from a browser. A real browser does the same in
 * tests/web (ui-caller.ts, "a page on another origin").
 */
import { beforeAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../gateway/src/index.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessGateway } from "../helpers/in-process-gateway.ts";

const BASE = "http://gateway.test";

describe("cross-origin requests", () => {
  const gateway = inProcessGateway({
    config: { ...configFromEnv({}), allowedOrigins: ["app.example"] },
  });
  let token = "";
  beforeAll(async () => {
    await gateway.init();
    const res = await gateway.app.request(`${BASE}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${IN_PROCESS_ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "pages" }),
    });
    token = (await res.json()).token;
  });

  const preflight = (origin: string, path = "/v1/agents/anyone/messages") =>
    gateway.app.request(`${BASE}${path}`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, last-event-id",
      },
    });

  it("answers the preflight of an allowed page", async () => {
    for (const origin of ["http://localhost:5173", "https://app.example"]) {
      const res = await preflight(origin);
      expect(res.status, origin).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      expect(res.headers.get("access-control-allow-headers")).toBe(
        "authorization,content-type,last-event-id",
      );
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("gives an allowed page the answer and its headers, refusals included", async () => {
    const origin = "http://127.0.0.1:8080";
    const me = await gateway.app.request(`${BASE}/v1/me`, {
      headers: { origin, authorization: `Bearer ${token}` },
    });
    expect(me.status).toBe(200);
    expect(me.headers.get("access-control-allow-origin")).toBe(origin);
    expect(me.headers.get("access-control-expose-headers")).toContain("x-agent-mesh-request-id");
    expect(me.headers.get("vary")).toContain("Origin");
    const refused = await gateway.app.request(`${BASE}/v1/me`, { headers: { origin } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(origin);
  });

  it("gives any other page no CORS headers, and /mcp refuses it", async () => {
    const origin = "https://elsewhere.example";
    const res = await preflight(origin);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const me = await gateway.app.request(`${BASE}/v1/me`, {
      headers: { origin, authorization: `Bearer ${token}` },
    });
    expect(me.headers.get("access-control-allow-origin")).toBeNull();
    const mcp = await gateway.app.request(`${BASE}/mcp`, {
      method: "POST",
      headers: { origin, authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcp.status).toBe(403);
    expect((await mcp.json()).error.code).toBe("origin_forbidden");
  });

  it("refuses a DNS-rebinding page, whose Origin names the host it reached the gateway by", async () => {
    // What a page on rebound.example sends once its name points at the gateway: its own name as Host and Origin.
    const mcp = await gateway.app.request("http://rebound.example:8080/mcp", {
      method: "POST",
      headers: {
        origin: "http://rebound.example:8080",
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcp.status).toBe(403);
    expect(mcp.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("adds nothing to a request without an Origin", async () => {
    const res = await gateway.app.request(`${BASE}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("vary")).toBeNull();
  });
});
