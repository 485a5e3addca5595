/**
 * Tokens, tickets and agent credentials: who may authenticate, the admin creating, listing and revoking tokens and
 * their scopes, which tokens a token may revoke, single-use connect tickets and the agent credentials they mint,
 * and what an agent credential may see of its user's tasks and sessions.
 */
import { describe, expect, it } from "vitest";
import { apiClient } from "../../helpers/api.ts";
import { connectAgent, createAgent, createUser, listAllTokens } from "../../helpers/fixtures.ts";
import type { GatewayContext } from "./index.ts";

export function tokensContract(ctx: () => GatewayContext): void {
  describe("tokens, tickets and agent credentials", () => {
    it("refuses missing, malformed and unknown tokens with 401 and a stable code", async () => {
      for (const token of [undefined, "nope", "amk_abc_0123"]) {
        const res = await apiClient(ctx().gateway.url, token).get("/v1/me");
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
      }
    });

    it("lets the admin create user tokens shown once, and revoke them", async () => {
      const { url, adminToken } = ctx().gateway;
      const alice = await createUser(url, adminToken, "alice-api");
      expect(alice.token).toMatch(/^amk_/);
      const me = await alice.api.get("/v1/me");
      expect(me.body).toMatchObject({ user: "alice-api", scopes: ["agents", "connect", "call", "publish"] });
      const listed = await apiClient(url, adminToken).get("/v1/tokens");
      expect(JSON.stringify(listed.body)).not.toContain(alice.token);
      expect((await alice.api.post("/v1/tokens", { name: "eve" })).status).toBe(403);
      expect((await apiClient(url, adminToken).call("DELETE", `/v1/tokens/${alice.id}`)).status).toBe(200);
      const after = await alice.api.get("/v1/me");
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe("token_revoked");
    });

    it("lists tokens to the admin a page at a time, of the kinds asked for", async () => {
      const { url, adminToken } = ctx().gateway;
      const admin = apiClient(url, adminToken);
      const made = [];
      for (let n = 0; n < 5; n++) made.push(await createUser(url, adminToken, `paged-${n}`));
      const all = await listAllTokens(admin, {}, 2);
      const ids = all.map((t) => t.id);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      for (const user of made) expect(ids).toContain(user.id);
      expect(all.map((t) => t.kind)).toContain("admin");
      expect(await listAllTokens(admin, { kind: "admin" })).toEqual(all.filter((t) => t.kind === "admin"));
      expect(await listAllTokens(admin, { kind: "user,admin" }, 3)).toEqual(
        all.filter((t) => t.kind !== "agent"),
      );
      const first = await admin.get("/v1/tokens?limit=1");
      expect(first.body.tokens).toHaveLength(1);
      expect(first.body.next_cursor).toBe(first.body.tokens[0].id);
      for (const query of ["limit=0", "limit=1001", "cursor=..%2Fx", "kind=robot", "kind=user,", "cursor="]) {
        const res = await admin.get(`/v1/tokens?${query}`);
        expect(res.status, query).toBe(400);
        expect(res.body.error.code, query).toBe("invalid_request");
      }
    });

    it("validates token requests", async () => {
      const admin = apiClient(ctx().gateway.url, ctx().gateway.adminToken);
      expect((await admin.post("/v1/tokens", { name: "../etc" })).body.error.code).toBe("invalid_request");
      expect((await admin.post("/v1/tokens", "{not json")).body.error.code).toBe("invalid_json");
      expect((await admin.post("/v1/tokens", { name: "bob", scopes: ["root"] })).status).toBe(400);
      const none = await admin.post("/v1/tokens", { name: "bob", scopes: [] });
      expect(none.status).toBe(400);
      expect(none.body.error.message).toContain("scopes must name at least one of");
      const twice = await admin.post("/v1/tokens", { name: "bob", scopes: ["call", "call", "connect"] });
      expect(twice.body.scopes).toEqual(["call", "connect"]);
    });

    it("issues single-use connect tickets that yield an agent credential", async () => {
      const { url, adminToken } = ctx().gateway;
      const carol = await createUser(url, adminToken, "carol-tickets");
      const agent = await createAgent(carol.api);
      const ticket = await carol.api.post(`/v1/agents/${agent.name}/tickets`);
      expect(ticket.status).toBe(201);
      expect(ticket.body.url).toContain("/v1/tickets/");
      expect(Date.parse(ticket.body.expires_at) - Date.now()).toBeGreaterThan(14 * 60_000);
      const redeem = await Promise.all([
        apiClient(url).post(new URL(ticket.body.url).pathname),
        apiClient(url).post(new URL(ticket.body.url).pathname),
      ]);
      const statuses = redeem.map((r) => r.status).sort();
      expect(statuses, JSON.stringify(redeem.map((r) => r.body))).toEqual([200, 409]);
      const winner = redeem.find((r) => r.status === 200)!;
      expect(redeem.find((r) => r.status === 409)!.body.error.code).toBe("ticket_used");
      expect(winner.body.agent.id).toBe(agent.id);
      const connected = await connectAgent(url, winner.body.token, undefined);
      expect((await carol.api.get(`/v1/agents/${agent.name}`)).body.online).toBe(true);
      // A first connect's `last_seen` is written by the next sweep (within a second; at once on Workers).
      await expect
        .poll(async () => (await carol.api.get(`/v1/agents/${agent.name}`)).body.last_seen, { timeout: 5000 })
        .toMatch(/^\d{4}-\d\d-\d\dT/);
      connected.stop();
      expect((await apiClient(url).post("/v1/tickets/amt_unknown")).body.error.code).toBe("ticket_invalid");
    });

    it("lets a token revoke only itself and its tickets' credentials, unless it manages the user's agents", async () => {
      const { url, adminToken } = ctx().gateway;
      const admin = apiClient(url, adminToken);
      const erin = await createUser(url, adminToken, "erin-revokes");
      const script = (await admin.post("/v1/tokens", { name: "erin-revokes", scopes: ["call"] })).body;
      const agent = await createAgent(erin.api);
      const redeemCredential = async () => {
        const ticket = await erin.api.post(`/v1/agents/${agent.name}/tickets`);
        return (await apiClient(url).post(new URL(ticket.body.url).pathname)).body;
      };
      const credential = await redeemCredential();
      const asCredential = apiClient(url, credential.token);
      const asScript = apiClient(url, script.token);
      // The agent's credential and the call-only token cannot cut off the account holder's token.
      for (const api of [asCredential, asScript]) {
        const res = await api.call("DELETE", `/v1/tokens/${erin.id}`);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe("forbidden");
      }
      expect((await asCredential.call("DELETE", `/v1/tokens/${script.id}`)).status).toBe(403);
      expect((await erin.api.get("/v1/me")).status).toBe(200);
      // Each may revoke itself; the account's full token may revoke the others.
      expect((await asScript.call("DELETE", `/v1/tokens/${script.id}`)).status).toBe(200);
      expect((await asCredential.call("DELETE", `/v1/tokens/${credential.token_id}`)).status).toBe(200);
      const second = await redeemCredential();
      expect((await erin.api.call("DELETE", `/v1/tokens/${second.token_id}`)).status).toBe(200);
      // Revoking the account's token revokes what its tickets minted, and the listing says so.
      const third = await redeemCredential();
      expect((await admin.call("DELETE", `/v1/tokens/${erin.id}`)).status).toBe(200);
      expect((await apiClient(url, third.token).get("/v1/me")).body.error.code).toBe("token_revoked");
      const listed = await listAllTokens(admin, { kind: "agent" });
      expect(listed.find((t) => t.id === third.token_id)?.revoked_at).toMatch(/^\d{4}-/);
    });

    it("shows an agent credential only the tasks and sessions it made, its user all of them", async () => {
      const { url, adminToken } = ctx().gateway;
      const fay = await createUser(url, adminToken, "fay-credential");
      const helper = await createAgent(fay.api);
      const worker = await createAgent(fay.api);
      const ticket = await fay.api.post(`/v1/agents/${helper.name}/tickets`);
      const credential = apiClient(
        url,
        (await apiClient(url).post(new URL(ticket.body.url).pathname)).body.token,
      );
      const queue = (api: typeof credential, sessionId?: string) =>
        api.post(`/v1/agents/${worker.name}/messages`, {
          message: "later",
          async: true,
          session_id: sessionId,
        });
      const mine = (await queue(fay.api)).body;
      const its = (await queue(credential)).body;
      expect(its.task_id).toMatch(/\./);
      // The user's own task and session stay the user's: the credential on the agent's machine gets 404s.
      expect((await credential.get(`/v1/tasks/${mine.task_id}`)).status).toBe(404);
      expect((await credential.call("DELETE", `/v1/tasks/${mine.task_id}`)).status).toBe(404);
      // A session is claimed when first continued (a new one's id is a random UUID, known to its caller only).
      expect((await queue(fay.api, mine.session_id)).status).toBe(202);
      const continued = await queue(credential, mine.session_id);
      expect(continued.status).toBe(404);
      expect(continued.body.error.code).toBe("session_not_found");
      const listed = (await credential.get("/v1/tasks")).body.tasks.map(
        (t: { task_id: string }) => t.task_id,
      );
      expect(listed).toEqual([its.task_id]);
      // What the credential made is its own, and its user's too.
      expect((await credential.get(`/v1/tasks/${its.task_id}`)).status).toBe(200);
      expect((await queue(credential, its.session_id)).status).toBe(202);
      expect((await fay.api.get(`/v1/tasks/${its.task_id}`)).status).toBe(200);
      expect((await queue(fay.api, its.session_id)).status).toBe(202);
      const all = (await fay.api.get("/v1/tasks")).body.tasks.map((t: { task_id: string }) => t.task_id);
      expect(all).toEqual(expect.arrayContaining([mine.task_id, its.task_id]));
    });
  });
}
