/**
 * The A2A v1.0 door: every agent gets a base URL `{gateway}/a2a/{agent}/` (name or id) with its agent card at
 * `.well-known/agent-card.json`, the JSON-RPC binding at the base URL itself and the HTTP+JSON binding below it.
 * Requests must say `A2A-Version: 1.0` (header or `?A2A-Version=` query); v0.3 is not served.
 * Cards of public agents are readable without a token; every operation needs one. docs/protocols.md has more.
 *
 * @example
 * app.route("/", a2aRoutes);
 */

import type { Context } from "hono";
import { Hono } from "hono";
import { bearerToken, requireAuth } from "../../auth/middleware.ts";
import type { Caller } from "../../domain/caller.ts";
import type { GatewayEnv } from "../../gateway-env.ts";
import { limitBody } from "../../util/body-limit.ts";
import { extended } from "../../util/extended.ts";
import { agentCard, etagOf } from "./card.ts";
import { A2aError, toA2aError } from "./errors.ts";
import { checkMethod, dispatchJsonRpc, jsonRpcErrorResponse, readEnvelope } from "./jsonrpc.ts";
import type { A2aCall } from "./operations.ts";
import { matchRest, restErrorResponse } from "./rest.ts";

/** Looks like no one: sees public agents only (no user owns ""), holds no scopes. */
const ANONYMOUS: Caller = { tokenId: "", user: "", kind: "user", scopes: [] };
const noop = async () => {};

function checkVersion(c: Context<GatewayEnv>, url: URL): void {
  const version = c.req.header("a2a-version") ?? url.searchParams.get("A2A-Version");
  if (!version) {
    throw new A2aError(
      "VersionNotSupported",
      "a2a_version_required",
      "Send the header `A2A-Version: 1.0` (or the query ?A2A-Version=1.0): this endpoint speaks A2A v1.0 only, and a request without the header means v0.3, which it does not serve.",
    );
  }
  if (!/^1\.0(\.\d+)?$/.test(version.trim())) {
    throw new A2aError(
      "VersionNotSupported",
      "a2a_version_not_supported",
      `A2A version ${version} is not served here; this endpoint speaks 1.0: send \`A2A-Version: 1.0\`.`,
    );
  }
}

async function readBody(c: Context<GatewayEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new A2aError("ParseError", "invalid_json", "The request body is not valid JSON.");
  }
}

async function card(c: Context<GatewayEnv>): Promise<Response> {
  try {
    const { calls } = c.get("services");
    const authenticated = bearerToken(c.req.header("authorization")) !== null;
    if (authenticated) await requireAuth()(c, noop);
    const ref = c.req.param("agent") ?? "";
    const agent = await calls
      .resolveAgent(authenticated ? c.get("caller") : ANONYMOUS, ref)
      .catch((error) => {
        // Without a token a private agent and a missing one look the same: ask for a token.
        if (authenticated || toA2aError(error).kind !== "AgentNotFound") throw error;
        throw new A2aError(
          "Unauthenticated",
          "unauthorized",
          "Send `Authorization: Bearer <token>` to read this agent card (cards of public agents need none).",
        );
      });
    const body = JSON.stringify(agentCard(agent, new URL(c.req.url).origin));
    const etag = await etagOf(body);
    const headers = {
      etag,
      "cache-control": `${authenticated ? "private" : "public"}, max-age=300`,
      vary: "Authorization",
    };
    if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(body, { headers: extended(headers, { "content-type": "application/json" }) });
  } catch (error) {
    return restErrorResponse(error);
  }
}

async function door(c: Context<GatewayEnv>): Promise<Response> {
  const url = new URL(c.req.url);
  const afterAgent = url.pathname.indexOf("/", "/a2a/".length);
  const rest = afterAgent === -1 ? "" : url.pathname.slice(afterAgent).replace(/\/+$/, "");
  const jsonRpc = rest === "";
  let rpcId: string | number | null = null;
  try {
    if (c.req.method === "POST") await limitBody(c.get("services").config.maxBodyBytes)(c, noop);
    let route: ReturnType<typeof matchRest> | undefined;
    let envelope: ReturnType<typeof readEnvelope> | undefined;
    if (jsonRpc) {
      if (c.req.method !== "POST") {
        throw new A2aError(
          "MethodNotFound",
          "method_not_found",
          "POST JSON-RPC requests here; the agent card is at .well-known/agent-card.json.",
        );
      }
      envelope = readEnvelope(await readBody(c));
      if (envelope instanceof A2aError) throw envelope;
      rpcId = envelope.id;
      const unknown = checkMethod(envelope.method);
      if (unknown) throw unknown;
    } else {
      route = matchRest(c.req.method, rest);
      if (route instanceof A2aError) throw route;
    }
    // Every operation counts against the token's limit, as on the other calling doors; the call scope is checked
    // per operation (reading a task needs none).
    await requireAuth(undefined, { rateLimited: true })(c, noop);
    checkVersion(c, url);
    const services = c.get("services");
    const call: A2aCall = {
      caller: c.get("caller"),
      agent: await services.calls.resolveAgent(c.get("caller"), c.req.param("agent") ?? ""),
      services,
      origin: url.origin,
      connection: c.req.raw,
    };
    const lastEventId = c.req.header("last-event-id");
    if (envelope)
      return await dispatchJsonRpc(call, envelope as Exclude<typeof envelope, A2aError>, lastEventId);
    const matched = route as Exclude<typeof route, A2aError | undefined>;
    return await matched.run(
      call,
      {
        method: c.req.method,
        path: rest,
        query: Object.fromEntries(url.searchParams),
        body: () => readBody(c),
        lastEventId,
      },
      matched.ids,
    );
  } catch (error) {
    const a2a = toA2aError(error);
    if (a2a.kind === "Internal")
      c.get("services").onError(error, { stage: `a2a ${c.req.method} ${url.pathname}` });
    return jsonRpc ? jsonRpcErrorResponse(rpcId, a2a) : restErrorResponse(a2a);
  }
}

export const a2aRoutes = new Hono<GatewayEnv>()
  .get("/a2a/:agent/.well-known/agent-card.json", card)
  // v0.2 clients and some tools still probe agent.json.
  .get("/a2a/:agent/.well-known/agent.json", (c) => c.redirect("agent-card.json", 301))
  .all("/a2a/:agent", door)
  .all("/a2a/:agent/*", door);
