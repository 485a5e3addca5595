/**
 * `GET /v1/connect`: the agent WebSocket. Auth happens in the first frame (`hello`), never in the URL; `?agent=`
 * only names the agent so hosts that route by agent (Workers) know where the socket belongs.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { UpgradeWebSocket, WSContext, WSEvents } from "hono/ws";
import { ApiError, errors } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { Admission } from "../relay/admission.ts";
import type { AgentConnection } from "../relay/connection.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";

/** Answers 426 to plain HTTP requests on the WebSocket route. */
export const requireUpgrade: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "This endpoint speaks WebSocket only; agents connect here.");
  }
  await next();
};

/**
 * One agent socket's handlers, and all the route keeps per socket (100,000 idle agents): one small object whose
 * methods live on the prototype, instead of a closure per handler and the scope they share. Every runtime adapter
 * calls the handlers as methods of this object (`events.onOpen(...)`).
 */
class AgentSocketEvents implements AgentSocketHandlers {
  readonly #home: LocalAgentHome;
  /** What `?agent=` named, until the socket opens (then the connection keeps it). */
  #agentHint: string | undefined;
  #connection: AgentConnection | undefined;
  /** The cap's count of handshakes, until this one opens or fails. */
  #admission: Admission | undefined;

  constructor(home: LocalAgentHome, agentHint: string | undefined, admission: Admission | undefined) {
    this.#home = home;
    this.#agentHint = agentHint;
    this.#admission = admission;
    admission?.admitted(this, Date.now());
  }

  onOpen(_event: Event, ws: WSContext): void {
    this.#settle();
    // The context itself sends and closes (one per socket on every runtime); no wrapper around it.
    this.#connection = this.#home.accept(ws, this.#agentHint);
    this.#agentHint = undefined;
  }

  onMessage(event: MessageEvent): void {
    if (this.#connection) this.#home.message(this.#connection, event.data);
  }

  onClose(event?: CloseEvent): void {
    this.#settle();
    if (this.#connection) this.#home.closed(this.#connection, event?.code);
  }

  abandon(): void {
    this.#settle();
  }

  #settle(): void {
    this.#admission?.settled(this);
    this.#admission = undefined;
  }

  onError(): void {
    this.onClose(); // no code: as a connection lost, not a goodbye
  }
}

/** The agent socket's path: the app's route and `LocalConnect.agentSocket` answer the same requests. */
export const CONNECT_PATH = "/v1/connect";

/**
 * Takes an agent socket straight off an upgrade request, for a runtime entry that upgrades on its own server
 * (Bun, Deno, Node): the handlers of the socket, or undefined to send the request through the app as usual. Skipping
 * the app's routing and middleware took a sixth of the CPU of a connect on Bun (docs/capacity-notes.md, Connects); anything
 * this does not take (another path, not an upgrade, a full node) gets the app's own answer (404, 426, 503), and a
 * handshake the runtime cannot complete is abandoned (`AgentSocketHandlers.abandon`) and answered by the app too.
 *
 * @param url the request's URL, absolute (Bun) or as sent (Node's `/v1/connect?agent=…`)
 * @param upgrade the request's `Upgrade` header
 */
export type AgentSocketShortcut = (
  method: string,
  url: string,
  upgrade: string | null | undefined,
) => AgentSocketHandlers | undefined;

/** An agent socket's handlers, until its handshake completes. */
export interface AgentSocketHandlers extends WSEvents {
  /**
   * The handshake failed (a bad `Sec-WebSocket-Key`, say) and the socket will never open: its place under the
   * agent cap is free at once, not after `HANDSHAKE_MS`.
   */
  abandon(): void;
}

export interface LocalConnect {
  /** The app's middleware for `GET /v1/connect`, after `requireUpgrade`. */
  handler: MiddlewareHandler;
  agentSocket: AgentSocketShortcut;
}

/**
 * Wires a runtime's `upgradeWebSocket` helper to the local home. With `maxAgents`, a socket beyond it is refused
 * before the upgrade (`503 node_full`), while the process still has files for callers and its store; the connector
 * retries with backoff, through a balancer possibly to another node.
 */
export function localConnect(
  upgradeWebSocket: UpgradeWebSocket,
  home: LocalAgentHome,
  maxAgents: number | null,
): LocalConnect {
  const admission = maxAgents === null ? undefined : new Admission(home, maxAgents);
  const open = (agentHint: string | undefined) => new AgentSocketEvents(home, agentHint, admission);
  /** The handlers the route made for a request, so a handshake its adapter could not complete is abandoned. */
  const made = new WeakMap<Context, AgentSocketEvents>();
  const upgrade = upgradeWebSocket((c) => {
    const events = open(c.req.query("agent") || undefined);
    made.set(c, events);
    return events;
  });
  return {
    async handler(c) {
      if (admission && !admission.hasRoom(Date.now())) throw errors.nodeFull(admission.max);
      let response: Response | undefined;
      try {
        response = (await upgrade(c, async () => {})) ?? undefined;
      } catch {
        // The adapter could not upgrade the request (Deno throws; Bun and Node pass it on): it never opens.
      }
      if (response) return response;
      made.get(c)?.abandon();
      throw errors.badHandshake();
    },
    agentSocket(method, url, upgradeHeader) {
      if (method !== "GET" || upgradeHeader?.toLowerCase() !== "websocket") return undefined;
      const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("://") + 3);
      if (start === -1) return undefined;
      const query = url.indexOf("?", start);
      if (url.slice(start, query === -1 ? undefined : query) !== CONNECT_PATH) return undefined;
      if (admission && !admission.hasRoom(Date.now())) return undefined; // the app answers 503 node_full
      const hint = query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get("agent");
      return open(hint || undefined);
    },
  };
}
