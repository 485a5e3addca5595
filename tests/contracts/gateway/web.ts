/**
 * The web UI's server side on every runtime: `/` serves the app shell with its security headers to browsers,
 * hashed assets are immutable, API clients keep JSON 404s, and `DELETE /v1/agents/:ref/messages/:request_id`
 * stops a running live call at once (the page's Stop button).
 */
import { describe, expect, it } from "vitest";
import { eventData } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function webContract(ctx: () => GatewayContext): void {
  describe("web UI", () => {
    it("serves the app shell to browsers with a strict CSP, and its hashed assets", async () => {
      const { url } = ctx().gateway;
      const page = await fetch(`${url}/`, { headers: { accept: "text/html,application/xhtml+xml" } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const csp = page.headers.get("content-security-policy") ?? "";
      for (const part of [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
      ])
        expect(csp).toContain(part);
      expect(csp).not.toContain("unsafe-inline");
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await page.text();
      expect(html).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
      const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
      const style = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1];
      expect(script).toMatch(/^\/assets\/app\.[0-9a-f]{12}\.js$/);
      for (const [path, type] of [
        [script, "text/javascript"],
        [style, "text/css"],
      ] as const) {
        const asset = await fetch(`${url}${path}`);
        expect(asset.status).toBe(200);
        expect(asset.headers.get("content-type")).toContain(type);
        expect(asset.headers.get("cache-control")).toContain("immutable");
        expect((await asset.text()).length).toBeGreaterThan(1000);
      }
      const icon = await fetch(`${url}/favicon.ico`);
      expect(icon.headers.get("content-type")).toBe("image/svg+xml");
      expect(await icon.text()).toContain("<svg");
    });

    it("keeps JSON errors for API clients and gives browsers an HTML 404", async () => {
      const { url } = ctx().gateway;
      for (const accept of [undefined, "application/json", "*/*"]) {
        for (const path of ["/", "/no-such-page"]) {
          const res = await fetch(`${url}${path}`, { headers: accept ? { accept } : {} });
          expect(res.status).toBe(404);
          expect((await res.json()).error.code).toBe("not_found");
        }
      }
      const browser = await fetch(`${url}/no-such-page`, { headers: { accept: "text/html" } });
      expect(browser.status).toBe(404);
      expect(browser.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(await browser.text()).toContain("Not found");
    });

    it("stops a running live call at once for its caller, and only for its caller", async () => {
      const { url, adminToken } = ctx().gateway;
      const user = await createUser(url, adminToken, "stop-user");
      const agent = await createAgent(user.api, { visibility: "public" });
      let aborted = false;
      const connected = await connectAgent(url, user.token, agent.name, async (_request, reply) => {
        reply.chunk("working ");
        await new Promise<void>((resolve) => reply.signal.addEventListener("abort", () => resolve()));
        aborted = true;
      });
      const res = await fetch(`${url}/v1/agents/${agent.name}/messages`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${user.token}`,
          "content-type": "application/json",
          accept: "text/event-stream",
        },
        body: JSON.stringify({ message: "go" }),
      });
      const requestId = res.headers.get("x-agent-mesh-request-id")!;
      const stranger = await createUser(url, adminToken, "stop-stranger");
      const refused = await stranger.api.call("DELETE", `/v1/agents/${agent.name}/messages/${requestId}`);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe("request_not_found");
      expect(aborted).toBe(false);
      const stopped = await user.api.call("DELETE", `/v1/agents/${agent.name}/messages/${requestId}`);
      expect(stopped.status).toBe(200);
      expect(stopped.body).toEqual({ request_id: requestId, canceled: true });
      // The caller's open stream ends with `error canceled`, and the agent sees the cancel.
      const { createParser } = await import("eventsource-parser");
      const events: { event?: string; data: string; id?: string }[] = [];
      const parser = createParser({ onEvent: (e) => events.push(e) });
      const decoder = new TextDecoder();
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>)
        parser.feed(decoder.decode(part, { stream: true }));
      expect(eventData(events as never, "error")[0]).toMatchObject({ code: "canceled" });
      await waitFor(() => aborted, { what: "the agent to see the cancel" });
      const again = await user.api.call("DELETE", `/v1/agents/${agent.name}/messages/${requestId}`);
      expect(again.status).toBe(404);
      connected.stop();
    });
  });
}
