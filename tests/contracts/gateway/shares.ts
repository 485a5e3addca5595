/**
 * Share links: an agent by URL. Management (owner only), the Markdown guide, messages in JSON and SSE with the
 * /v1 bodies, sessions and tasks owned by the link, the link's MCP endpoint (no headers), and every refusal:
 * another agent, a token-shaped use, revocation and expiry taking effect at once, the link's own rate limit.
 */
import { describe, expect, it } from "vitest";
import { apiClient, eventData } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { mcpClient, resultText } from "../../helpers/mcp-client.ts";
import { sleep, waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function sharesContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const owner = await createUser(url, adminToken, name);
    const agent = await createAgent(owner.api, { description: "echoes", capabilities: ["echo"] });
    const live = await connectAgent(url, owner.token, agent.name);
    const share = await owner.api.post(`/v1/agents/${agent.name}/shares`, { label: "for a chat" });
    expect(share.status).toBe(201);
    return { url, owner, agent, live, share: share.body as { id: string; url: string; expires_at: string } };
  }

  describe("share links", () => {
    it("are made and listed by the owner only, expire in 7 days by default, and keep no secret", async () => {
      const { url, owner, agent, live, share } = await setup("share-owner");
      try {
        expect(share.url).toMatch(new RegExp(`^${url}/s/ams_[0-9a-f]{16}_[0-9a-f]{48}/$`));
        const days = (Date.parse(share.expires_at) - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(6.99);
        expect(days).toBeLessThanOrEqual(7);
        const listed = await owner.api.get(`/v1/agents/${agent.name}/shares`);
        expect(listed.body.shares).toHaveLength(1);
        expect(listed.body.shares[0]).toMatchObject({ id: share.id, label: "for a chat", status: "active" });
        expect(JSON.stringify(listed.body)).not.toContain(share.url.split("/")[4]);
        expect(JSON.stringify(listed.body)).not.toContain("hash");

        const other = await createUser(url, ctx().gateway.adminToken, "share-other");
        const publicAgent = await createAgent(owner.api, { visibility: "public" });
        expect((await other.api.post(`/v1/agents/${publicAgent.name}/shares`, {})).status).toBe(403);
        expect((await other.api.get(`/v1/agents/${publicAgent.name}/shares`)).body.error.code).toBe(
          "not_your_agent",
        );
        expect((await other.api.call("DELETE", `/v1/shares/${share.id}`)).status).toBe(404);
        const tooLong = await owner.api.post(`/v1/agents/${agent.name}/shares`, { expires_in: 91 * 86_400 });
        expect(tooLong.status).toBe(400);
        expect(tooLong.body.error.message).toContain("expires_in");
        // Reaching a person's session is the owner's choice, off unless asked for (the inbox contract uses it).
        expect(listed.body.shares[0].sessions).toBeUndefined();
        const notBoolean = await owner.api.post(`/v1/agents/${agent.name}/shares`, { sessions: "yes" });
        expect([notBoolean.status, notBoolean.body.error.message]).toEqual([
          400,
          expect.stringContaining("sessions"),
        ]);
      } finally {
        live.stop();
      }
    });

    it("refuse a rate limit above the gateway's, a body that is not an object, and say when a link was already revoked", async () => {
      const { owner, agent, live, share } = await setup("share-limits");
      try {
        const tooFast = await owner.api.post(`/v1/agents/${agent.name}/shares`, { rate_limit: 100_000 });
        expect([tooFast.status, tooFast.body.error.code]).toEqual([400, "invalid_request"]);
        // The gateway's share limit here is the default, 60 per 60 s: the message names it.
        expect(tooFast.body.error.message).toContain("at most 60 requests per minute");
        const atLimit = await owner.api.post(`/v1/agents/${agent.name}/shares`, { rate_limit: 60 });
        expect([atLimit.status, atLimit.body.rate_limit]).toEqual([201, 60]);
        const array = await owner.api.post(`/v1/agents/${agent.name}/shares`, []);
        expect([array.status, array.body.error?.code]).toEqual([400, "invalid_request"]);
        const first = await owner.api.call("DELETE", `/v1/shares/${share.id}`);
        expect(first.body).toMatchObject({ status: "revoked", already_revoked: false });
        const again = await owner.api.call("DELETE", `/v1/shares/${share.id}`);
        expect(again.body).toMatchObject({ status: "revoked", already_revoked: true });
        expect(again.body.revoked_at).toBe(first.body.revoked_at);
      } finally {
        live.stop();
      }
    });

    it("teach a model with Markdown, and answer JSON and SSE messages with the /v1 bodies", async () => {
      const { owner, agent, live, share } = await setup("share-call");
      try {
        const guide = await fetch(share.url);
        expect(guide.status).toBe(200);
        expect(guide.headers.get("content-type")).toContain("text/markdown");
        expect(guide.headers.get("cache-control")).toBe("no-store");
        const text = await guide.text();
        expect(text).toContain(`# Agent \`${agent.name}\``);
        expect(text).toContain(`curl -s -X POST '${share.url}messages'`);
        expect(text).toContain("text/event-stream");
        expect(text).toContain("session_id");
        expect(text).toContain(`'${share.url}mcp'`);
        expect(text).not.toContain(owner.name);

        const link = apiClient(share.url);
        const first = await link.post("messages", { message: "one" });
        expect(first.status).toBe(200);
        expect(first.headers.get("cache-control")).toBe("no-store");
        expect(first.body).toMatchObject({ result: "one", attachments: [] });
        const second = await link.post("messages", { message: "two", session_id: first.body.session_id });
        expect(second.body.session_id).toBe(first.body.session_id);
        expect(live.requests.at(-1)?.session_id).toBe(first.body.session_id);

        const streamed = await link.stream("messages", { message: "streamed" });
        expect(eventData(streamed.events, "chunk")[0].delta).toBe("streamed");
        expect(eventData(streamed.events, "done")[0].result).toBe("streamed");

        const queued = await link.post("messages", { message: "later", async: true });
        expect(queued.status).toBe(202);
        const done = await waitFor(async () => {
          const task = await link.get(`tasks/${queued.body.task_id}`);
          return task.body.status === "completed" ? task.body : null;
        });
        expect(done.result).toBe("later");
        // The link's task is the link's: its owner's token does not see it, and the link sees no one else's.
        expect((await owner.api.get(`/v1/tasks/${queued.body.task_id}`)).status).toBe(404);
        const mine = await owner.api.post(`/v1/agents/${agent.name}/messages`, { message: "x", async: true });
        expect((await link.get(`tasks/${mine.body.task_id}`)).status).toBe(404);
        const ownerSession = await owner.api.post(`/v1/agents/${agent.name}/messages`, {
          message: "private",
          session_id: `owner-${Date.now()}`,
        });
        const hijack = await link.post("messages", {
          message: "hi",
          session_id: ownerSession.body.session_id,
        });
        expect(hijack.status).toBe(404);
        expect(hijack.body.error.code).toBe("session_not_found");
        expect((await link.post("messages", { message: "" })).body.error.code).toBe("invalid_request");
        // Through a plain TCP balancer the node's reset loses the 413 (see the api contract's body-cap check).
        if (!ctx().notThrough?.bodyCap) {
          const huge = await link.post("messages", { message: "x".repeat(1100 * 1024) });
          expect(huge.status).toBe(413);
          expect(huge.body.error.code).toBe("body_too_large");
        }
      } finally {
        live.stop();
      }
    });

    it("expose the one agent over MCP with no headers, and nothing else", async () => {
      const { url, owner, agent, live, share } = await setup("share-mcp");
      const other = await createAgent(owner.api, { visibility: "public" });
      const otherLive = await connectAgent(url, owner.token, other.name);
      const { client, close } = await mcpClient(`${share.url}mcp`, "modern");
      try {
        const tools = (await client.listTools()).tools.map((t) => t.name);
        expect(tools).not.toContain("broadcast");
        expect(tools).toContain("ask_agent");
        const listed = resultText(await client.callTool({ name: "list_agents", arguments: {} }));
        expect(listed).toContain(agent.name);
        expect(listed).not.toContain(other.name);
        const answer = await client.callTool({
          name: "ask_agent",
          arguments: { to: agent.name, message: "via mcp" },
        });
        expect((answer.content as Array<{ text: string }>)[0]!.text).toBe("via mcp");
        const elsewhere = await client.callTool({
          name: "ask_agent",
          arguments: { to: other.name, message: "hi" },
        });
        expect(elsewhere.isError).toBe(true);
        expect(resultText(elsewhere)).toContain(`reaches only agent \`${agent.name}\``);
      } finally {
        await close();
        live.stop();
        otherLive.stop();
      }
      // The secret is no token: as a bearer it opens nothing, not even its own agent.
      const secret = share.url.split("/")[4]!;
      const asToken = apiClient(url, secret);
      expect((await asToken.post(`/v1/agents/${agent.name}/messages`, { message: "x" })).status).toBe(401);
      expect((await asToken.post(`/v1/agents/${other.name}/messages`, { message: "x" })).status).toBe(401);
      expect((await asToken.post("/mcp", {})).status).toBe(401);
      expect((await asToken.get("/v1/agents")).status).toBe(401);
    });

    it("stop at once on every door when revoked or expired, and keep their own rate limit", async () => {
      const { owner, agent, live, share } = await setup("share-end");
      try {
        const link = apiClient(share.url);
        expect((await link.post("messages", { message: "before" })).status).toBe(200);
        const revoked = await owner.api.call("DELETE", `/v1/shares/${share.id}`);
        expect(revoked.body.status).toBe("revoked");
        for (const res of [
          await link.post("messages", { message: "after" }),
          await link.get(""),
          await link.post("mcp", { jsonrpc: "2.0", id: 1, method: "ping" }),
        ]) {
          expect(res.status).toBe(410);
          expect(res.body.error.code).toBe("share_revoked");
          expect(res.headers.get("cache-control")).toBe("no-store");
        }

        const brief = await owner.api.post(`/v1/agents/${agent.name}/shares`, { expires_in: 1 });
        await sleep(1100);
        const expired = await apiClient(brief.body.url).post("messages", { message: "late" });
        expect(expired.status).toBe(410);
        expect(expired.body.error.code).toBe("share_expired");

        const bogus = share.url.replace(/_[0-9a-f]{48}\/$/, `_${"0".repeat(48)}/`);
        expect((await apiClient(bogus).get("")).body.error.code).toBe("share_not_found");

        const limited = await owner.api.post(`/v1/agents/${agent.name}/shares`, { rate_limit: 2 });
        const slow = apiClient(limited.body.url);
        expect((await slow.post("messages", { message: "1" })).status).toBe(200);
        expect((await slow.post("messages", { message: "2" })).status).toBe(200);
        const third = await slow.post("messages", { message: "3" });
        expect(third.status).toBe(429);
        expect(third.body.error.code).toBe("rate_limited");
        expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(ctx().gateway.output()).not.toContain(share.url.split("/")[4]);
      } finally {
        live.stop();
      }
    });
  });
}
