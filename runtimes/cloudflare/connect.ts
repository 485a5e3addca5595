/**
 * `GET /v1/connect` on Workers: sends the agent's WebSocket to the agent's own Durable Object.
 *
 * With `?agent=` (id or name; the connector sends it whenever it knows the agent) the Worker resolves the agent
 * and forwards the upgrade itself, so the object accepts the socket and it can hibernate there. Without it (an
 * agent credential from a ticket, or a raw client) the agent is only known from the `hello` frame: the Worker then
 * accepts the socket, reads `hello`, and relays frames both ways to the object. That relayed socket cannot
 * hibernate (the Worker holds it), but every rule still runs in the one object that owns the agent. Sockets whose
 * agent cannot be told go to the object named `lobby`, which fails their hello with the usual close codes.
 */
import type { MiddlewareHandler } from "hono";
import { CloseCode } from "../../gateway/src/protocol/close-codes.ts";
import type { GatewayServices } from "../../gateway/src/services.ts";
import type { AgentObject } from "./agent-object.ts";
import { ObjectRoute } from "./relay-wire.ts";

const LOBBY = "lobby";

export function durableObjectConnect(namespace: DurableObjectNamespace<AgentObject>): MiddlewareHandler {
  /** Opens the socket in the object of `agentId` (or the lobby), keeping the hint for hello's checks. */
  const open = (agentId: string | null, hint: string | undefined, headers: Headers) => {
    const url = new URL(ObjectRoute.connect);
    url.searchParams.set("home", agentId ?? LOBBY);
    if (agentId || hint) url.searchParams.set("agent", agentId ?? hint!);
    return namespace.get(namespace.idFromName(agentId ?? LOBBY)).fetch(url, { headers });
  };

  return async (c) => {
    const services = c.var.services as GatewayServices;
    const hint = c.req.query("agent") || undefined;
    if (hint) return open(await agentIdOf(services, hint), hint, c.req.raw.headers);
    return relayUntilHello(services, (agentId) =>
      open(agentId, undefined, new Headers({ upgrade: "websocket" })),
    );
  };
}

/** The agent an id or a name points at, whoever owns it (hello checks ownership), or null. */
async function agentIdOf(services: GatewayServices, ref: string): Promise<string | null> {
  const system = { tokenId: "", user: "", kind: "admin" as const, scopes: ["admin" as const] };
  return (await services.agents.resolve(system, ref).catch(() => null))?.id ?? null;
}

/** Which agent a first frame is for: `hello.agent`, else the agent an agent credential belongs to. */
async function agentOfHello(services: GatewayServices, data: unknown): Promise<string | null> {
  if (typeof data !== "string" || data.length > 64 * 1024) return null;
  let frame: { type?: unknown; agent?: unknown; token?: unknown };
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  if (frame?.type !== "hello") return null;
  if (typeof frame.agent === "string") return agentIdOf(services, frame.agent);
  if (typeof frame.token !== "string") return null;
  const check = await services.tokens.verify(frame.token).catch(() => null);
  return check?.status === "ok" && check.record.kind === "agent" ? (check.record.agent_id ?? null) : null;
}

function relayUntilHello(
  services: GatewayServices,
  openUpstream: (agentId: string | null) => Promise<Response>,
): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  let upstream: WebSocket | null = null;
  let opening = false;
  let clientClosed = false;
  const early: Array<string | ArrayBuffer> = [];
  const helloTimer = setTimeout(
    () => safeClose(server, CloseCode.helloTimeout, "no hello before the deadline"),
    services.config.helloTimeoutMs,
  );

  server.addEventListener("close", (event) => {
    clientClosed = true;
    clearTimeout(helloTimer);
    if (upstream) safeClose(upstream, event.code, event.reason);
  });
  server.addEventListener("message", (event) => {
    if (upstream) return upstream.send(event.data);
    early.push(event.data);
    if (opening) return;
    opening = true;
    clearTimeout(helloTimer);
    (async () => {
      const res = await openUpstream(await agentOfHello(services, event.data));
      const socket = res.webSocket;
      if (!socket) throw new Error(`agent object refused the socket (${res.status})`);
      socket.accept();
      socket.addEventListener("message", (e) => server.send(e.data));
      // An abnormal end of the object's side (evicted, redeployed) tells the connector to come back.
      socket.addEventListener("close", (e) =>
        safeClose(server, e.code === 1006 ? CloseCode.goingAway : e.code, e.reason),
      );
      if (clientClosed) return safeClose(socket, 1000, "connector left");
      for (const frame of early.splice(0)) socket.send(frame);
      upstream = socket;
    })().catch((error) => {
      services.onError(error, { stage: "connect-relay" });
      safeClose(server, CloseCode.internal, "gateway error; reconnect");
    });
  });
  return new Response(null, { status: 101, webSocket: client });
}

function safeClose(ws: WebSocket, code: number, reason: string): void {
  try {
    // 1005/1006 describe a close but cannot be sent.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  } catch {
    // Already closed.
  }
}
