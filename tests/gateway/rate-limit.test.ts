/**
 * Per-token rate limits on the calling doors (/v1 messages, /mcp, /a2a), counted in the session store: two gateways on
 * one store share the count, a 429 carries `Retry-After`, and the setting parses (or refuses) from the env. A store
 * local to the process (memory, fs) keeps its counts in the limiter's memory instead, and writes none.
 */
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createLocalRateLimiter } from "../../gateway/src/doors/rate-limit.ts";
import { configFromEnv } from "../../gateway/src/index.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessGateway } from "../helpers/in-process-gateway.ts";

describe("rate limits", () => {
  it("reads AGENT_MESH_RATE_LIMIT / AGENT_MESH_SHARE_RATE_LIMIT and refuses nonsense", () => {
    expect(configFromEnv({}).rateLimit).toEqual({ limit: 600, windowSeconds: 60 });
    expect(configFromEnv({}).shareRateLimit).toEqual({ limit: 60, windowSeconds: 60 });
    expect(configFromEnv({ AGENT_MESH_RATE_LIMIT: "100/1m" }).rateLimit).toEqual({
      limit: 100,
      windowSeconds: 60,
    });
    expect(configFromEnv({ AGENT_MESH_RATE_LIMIT: "5000/1h" }).rateLimit).toEqual({
      limit: 5000,
      windowSeconds: 3600,
    });
    expect(configFromEnv({ AGENT_MESH_RATE_LIMIT: "10/30" }).rateLimit).toEqual({
      limit: 10,
      windowSeconds: 30,
    });
    expect(configFromEnv({ AGENT_MESH_SHARE_RATE_LIMIT: "off" }).shareRateLimit).toBeNull();
    for (const bad of ["lots", "10/0s", "0/10s", "10/2d", "-1/5s"]) {
      expect(() => configFromEnv({ AGENT_MESH_RATE_LIMIT: bad }), bad).toThrow(/AGENT_MESH_RATE_LIMIT/);
    }
  });

  describe.each([
    // As Redis, Upstash and Cloudflare are: each request's count is an increment in the store.
    { kind: "a store other processes share", store: { ...memorySessionStore({}), local: false }, stored: 2 },
    { kind: "a store local to this process", store: memorySessionStore({}), stored: 0 },
  ])("two gateways on $kind", ({ store, stored }) => {
    const make = () =>
      inProcessGateway({
        store,
        // An hour-long window: a test never straddles two windows.
        config: configFromEnv({ AGENT_MESH_RATE_LIMIT: "4/1h" }),
      });
    const [a, b] = [make(), make()];
    afterAll(() => {
      a.dispose();
      b.dispose();
    });

    async function post(gateway: typeof a, path: string, token: string, body: unknown) {
      const res = await gateway.app.request(path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify(body),
      });
      return { status: res.status, headers: res.headers, body: (await res.text()) as string };
    }

    /** A2A's HTTP+JSON ListTasks: any A2A operation counts. */
    function listA2aTasks(gateway: typeof a, token: string) {
      return gateway.app.request("/a2a/rate-agent/tasks", {
        headers: { authorization: `Bearer ${token}`, "a2a-version": "1.0" },
      });
    }

    function expectRetryAfter(headers: Headers) {
      const retry = Number(headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(3600);
    }

    it("count a token's calls across doors and nodes, and answer 429 rate_limited with Retry-After", async () => {
      await a.init();
      const user = JSON.parse(
        (await post(a, "/v1/tokens", IN_PROCESS_ADMIN_TOKEN, { name: "rate-user" })).body,
      );
      const other = JSON.parse(
        (await post(a, "/v1/tokens", IN_PROCESS_ADMIN_TOKEN, { name: "rate-other" })).body,
      );
      await post(a, "/v1/agents", user.token, { name: "rate-agent" });
      const message = { message: "x", async: true };
      expect((await post(a, "/v1/agents/rate-agent/messages", user.token, message)).status).toBe(202);
      expect((await post(b, "/v1/agents/rate-agent/messages", user.token, message)).status).toBe(202);
      const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
      expect((await post(a, "/mcp", user.token, ping)).status).toBe(200);
      expect((await listA2aTasks(b, user.token)).status).toBe(200);
      for (const [gateway, path, body] of [
        [a, "/v1/agents/rate-agent/messages", message],
        [b, "/mcp", ping],
      ] as const) {
        const refused = await post(gateway, path, user.token, body);
        expect(refused.status, path).toBe(429);
        expect(JSON.parse(refused.body).error.code).toBe("rate_limited");
        expectRetryAfter(refused.headers);
      }
      const refusedA2a = await listA2aTasks(a, user.token);
      expect(refusedA2a.status).toBe(429);
      const status = (await refusedA2a.json()) as {
        error: { status: string; details: { metadata: { code: string } }[] };
      };
      expect(status.error.status).toBe("RESOURCE_EXHAUSTED");
      expect(status.error.details[0]!.metadata.code).toBe("rate_limited");
      expectRetryAfter(refusedA2a.headers);
      // Another token has its own budget; management routes are not counted.
      expect((await post(a, "/mcp", other.token, ping)).status).toBe(200);
      expect(
        (await a.app.request("/v1/me", { headers: { authorization: `Bearer ${user.token}` } })).status,
      ).toBe(200);
      // A shared store holds the counters, with a TTL (each vanishes when its window ends); a local one holds none.
      const keys = await store.keys("rate:");
      expect(keys.length).toBe(stored);
    });
  });

  describe("counted in this process (memory, fs)", () => {
    afterEach(() => vi.useRealTimers());

    it("refuses past the limit until the window ends, per subject, with the seconds left", () => {
      vi.useFakeTimers({ now: Date.UTC(2026, 11, 6, 12, 0, 0) });
      const limiter = createLocalRateLimiter();
      const rule = { limit: 2, windowSeconds: 60 };
      expect(limiter.hit("t:a", rule)).toEqual({ ok: true });
      vi.advanceTimersByTime(15_000);
      expect(limiter.hit("t:a", rule)).toEqual({ ok: true });
      expect(limiter.hit("t:a", rule)).toEqual({ ok: false, retryAfterSeconds: 45 });
      expect(limiter.hit("t:b", rule)).toEqual({ ok: true }); // another subject has its own count
      vi.advanceTimersByTime(45_000); // the next window
      expect(limiter.hit("t:a", rule)).toEqual({ ok: true });
      // A rule with another window counts apart (a share link's own limit beside the token's).
      expect(limiter.hit("t:a", { limit: 1, windowSeconds: 3600 })).toEqual({ ok: true });
    });
  });
});
