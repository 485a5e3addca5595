/**
 * `AgentObject`: the Durable Object that is one agent's home on Workers (`idFromName(agentId)`). It accepts the
 * agent's WebSocket with the hibernation API and runs a `LocalAgentHome` (the same engine Bun, Deno and Node use)
 * for that one agent, driven by events instead of timers:
 *
 * - socket frames arrive in `webSocketMessage`; `{"type":"ping"}` is answered by the runtime's auto-response
 *   without waking the object, and its timestamp counts as a heartbeat;
 * - deadlines (hello, liveness, grace, keepalive, timeouts) run from one alarm, set only while something is
 *   watched, so an idle connected agent costs one wake per liveness window and a disconnected one nothing;
 * - each socket's identity is kept in its attachment, so after hibernation the connection is rebuilt as it was.
 *
 * The object is also used, under the name `lobby`, for sockets whose agent the Worker could not tell; they fail
 * their hello there with the usual close codes.
 */
import { DurableObject } from "cloudflare:workers";
import type { GatewayConfig } from "../../gateway/src/config.ts";
import type { TaskRecord } from "../../gateway/src/domain/tasks.ts";
import { createA2aPushNotifier } from "../../gateway/src/doors/a2a/push.ts";
import { renderError } from "../../gateway/src/errors.ts";
import { CloseCode } from "../../gateway/src/protocol/close-codes.ts";
import { LIVENESS_FACTOR, type PromptAnswer } from "../../gateway/src/protocol/index.ts";
import type { AgentConnection } from "../../gateway/src/relay/connection.ts";
import { LocalAgentHome, type SavedConnection } from "../../gateway/src/relay/local-home.ts";
import type { CallOwner, RelayCall } from "../../gateway/src/relay/types.ts";
import { createAttachmentFinalizer } from "../../gateway/src/routes/attachments.ts";
import { createCoreServices } from "../../gateway/src/services.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { bindingsOf, type Env } from "./env.ts";
import { clearPresence, publishPresence } from "./presence.ts";
import { ndjsonSink, ObjectRoute } from "./relay-wire.ts";

/** The one frame the runtime answers for us; the connector sends exactly this text. */
const PING = '{"type":"ping"}';
const PONG = '{"type":"pong"}';

/** Who answers or follows travels as its `CallOwner`: its user, and the agent whose credential it is. */
interface AnswerBody extends CallOwner {
  agentId: string;
  requestId: string;
  answer: PromptAnswer;
}

interface AttachBody extends CallOwner {
  agentId: string;
  requestId: string;
  afterSeq: number;
}

/** What each socket carries through hibernation. `home` is the agent id the Worker routed it for. */
interface Attachment extends SavedConnection {
  home: string;
}

/**
 * What an agent's requests keep for re-attaching callers, unless `AGENT_MESH_MAX_RESUME_BYTES` says otherwise: a
 * Durable Object runs in an isolate of 128 MB it may share with others of its class, and one agent's hundred calls
 * could keep 4 MiB each (an isolate past its memory is reset, with every call in it).
 */
const OBJECT_RESUME_BYTES = 32 * 1024 * 1024;

function resumeBytesOf(env: Env, config: GatewayConfig): number {
  return env.AGENT_MESH_MAX_RESUME_BYTES === undefined ? OBJECT_RESUME_BYTES : config.maxResumeBytes;
}

export class AgentObject extends DurableObject<Env> {
  readonly #home: LocalAgentHome;
  readonly #store: SessionStore;
  readonly #presenceTtlSeconds: number;
  readonly #sockets = new Map<WebSocket, AgentConnection>();
  /** Alarm time we last set; `undefined` when unknown (fresh instance). */
  #alarmAt: number | null | undefined;
  #presenceWrittenAt = 0;
  /** Presence writes and deletes run in order, so a quick reconnect never ends up looking offline. */
  #presenceChain: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const { config, store, secret } = bindingsOf(env);
    // Tasks run here, so A2A push notifications for them go out from here too.
    let pushA2a: ((task: TaskRecord) => Promise<void>) | undefined;
    const core = createCoreServices({ config, store, secret, onTaskChange: (task) => pushA2a?.(task) });
    pushA2a = createA2aPushNotifier(core);
    this.#store = store;
    const liveness = config.heartbeatMs * LIVENESS_FACTOR;
    this.#presenceTtlSeconds = Math.max(120, Math.ceil((4 * liveness) / 1000));
    this.#home = new LocalAgentHome({
      config: { ...config, maxResumeBytes: resumeBytesOf(env, config) },
      tokens: core.tokens,
      agents: core.agents,
      tasks: core.runner,
      finalizeDone: createAttachmentFinalizer(core),
      onError: core.onError,
      useInterval: false,
      beforeLink: (connection) => this.#beforeLink(connection),
      onUnlinked: (identity) => this.#presence(() => clearPresence(store, identity)),
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    // Woken from hibernation: rebuild every connection from its socket's attachment.
    for (const ws of ctx.getWebSockets()) {
      const saved = ws.deserializeAttachment() as Attachment | null;
      if (!saved) continue;
      const heard = ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const connection = this.#home.restore(wire(ws), {
        ...saved,
        lastFrameAt: Math.max(saved.lastFrameAt, heard),
      });
      this.#sockets.set(ws, connection);
    }
    if (env.AGENT_MESH_LOG_WAKES === "1" && this.#sockets.size > 0) {
      console.log(`[gateway] [agent-object] woke from hibernation with ${this.#sockets.size} socket(s)`);
    }
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const route = `${url.origin}${url.pathname}`;
    try {
      if (route === ObjectRoute.connect) return this.#accept(request, url);
      const body = (await request.json()) as Record<string, string>;
      switch (route) {
        case ObjectRoute.relay:
          return await this.#relay(body as unknown as RelayCall);
        case ObjectRoute.attach:
          return await this.#attach(body as unknown as AttachBody);
        case ObjectRoute.answer: {
          const { agentId, requestId, user, fromAgent, answer } = body as unknown as AnswerBody;
          const who = { user, fromAgent };
          return Response.json({ outcome: await this.#home.answer(agentId, requestId, who, answer) });
        }
        case ObjectRoute.cancel:
          await this.#home.cancel(body.agentId!, body.requestId!);
          break;
        case ObjectRoute.taskQueued:
          await this.#home.taskQueued(body.agentId!, body.taskId!);
          break;
        case ObjectRoute.disconnectToken:
          await this.#home.disconnectToken(body.tokenId!);
          break;
        case ObjectRoute.disconnectAgent:
          await this.#home.disconnectAgent(body.agentId!);
          break;
        default:
          return Response.json({ error: { code: "not_found", message: route } }, { status: 404 });
      }
      return new Response(null, { status: 204 });
    } catch (error) {
      const { status, body } = renderError(error);
      return Response.json(body, { status });
    } finally {
      await this.#schedule();
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const connection = this.#sockets.get(ws);
    if (!connection) return ws.close(CloseCode.internal, "unknown socket; reconnect");
    this.#home.message(connection, message);
    await this.#schedule();
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#forget(ws, code);
    try {
      // 1005 and 1006 are reserved: they describe a close, they cannot be sent (close() would throw).
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed on our side.
    }
    await this.#schedule();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#forget(ws);
    await this.#schedule();
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    for (const [ws, connection] of this.#sockets) {
      const heard = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime();
      if (heard && heard > connection.lastFrameAt) connection.lastFrameAt = heard;
    }
    const now = Date.now();
    this.#home.sweep(now);
    this.#refreshPresence(now);
    await this.#schedule();
  }

  #accept(request: Request, url: URL): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json(
        { error: { code: "upgrade_required", message: "WebSocket only" } },
        { status: 426 },
      );
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    const agentHint = url.searchParams.get("agent") || undefined;
    const connection = this.#home.accept(wire(server), agentHint);
    const attachment: Attachment = {
      home: url.searchParams.get("home") ?? "lobby",
      openedAt: connection.openedAt,
      lastFrameAt: connection.lastFrameAt,
      agentHint,
      identity: null,
    };
    server.serializeAttachment(attachment);
    this.#sockets.set(server, connection);
    return new Response(null, { status: 101, webSocket: client });
  }

  async #relay(call: RelayCall): Promise<Response> {
    const { sink, response } = this.#stream(call.agentId, call.requestId);
    await this.#home.dispatch(call, sink);
    return response;
  }

  async #attach(body: AttachBody): Promise<Response> {
    const { sink, response } = this.#stream(body.agentId, body.requestId);
    const follower = { user: body.user, fromAgent: body.fromAgent, afterSeq: body.afterSeq };
    const outcome = await this.#home.attach(body.agentId, body.requestId, follower, sink);
    // An ending replayed at once is said in a header: the Worker cannot see it before it reads the stream.
    if (outcome === "attached" || outcome === "ended")
      return new Response(response.body, {
        headers: { ...Object.fromEntries(response.headers), "x-attach": outcome },
      });
    const status = outcome === "gap" ? 410 : 404;
    return Response.json({ error: { code: outcome, message: outcome } }, { status });
  }

  /**
   * An NDJSON response fed by a sink. If the Worker stops reading (its caller left, or it was evicted), the
   * caller is released: a live call then runs on for the resume window, as on every other runtime.
   */
  #stream(agentId: string, requestId: string) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const sink = ndjsonSink(writable.getWriter(), () => {
      this.#home.release(agentId, requestId, sink).catch(() => {});
    });
    return {
      sink,
      response: new Response(readable, { headers: { "content-type": "application/x-ndjson" } }),
    };
  }

  /** Saves the identity on the socket (it must survive hibernation) and publishes presence before `welcome`. */
  async #beforeLink(connection: AgentConnection): Promise<void> {
    const ws = this.#socketOf(connection);
    const identity = connection.identity!;
    if (!ws) return;
    const saved = ws.deserializeAttachment() as Attachment;
    if (saved.home !== identity.agentId) {
      // Routed here before the agent existed (the lobby); its home is another object. Reconnecting fixes it.
      connection.close(CloseCode.retryLater, "reconnect: the agent's home moved");
      return;
    }
    ws.serializeAttachment({ ...saved, identity, lastFrameAt: connection.lastFrameAt } satisfies Attachment);
    this.#presenceWrittenAt = Date.now();
    await this.#presence(() => publishPresence(this.#store, identity, this.#presenceTtlSeconds));
    if (connection.isClosed && !(await this.#home.isOnline([identity.agentId])).get(identity.agentId)) {
      // It went away while presence was written, and no older socket holds the agent.
      await this.#presence(() => clearPresence(this.#store, identity));
    }
  }

  #refreshPresence(now: number): void {
    if (now - this.#presenceWrittenAt < (this.#presenceTtlSeconds * 1000) / 2) return;
    for (const connection of this.#sockets.values()) {
      if (connection.state !== "open" || !connection.identity) continue;
      const identity = connection.identity;
      this.#presenceWrittenAt = now;
      this.#presence(() => publishPresence(this.#store, identity, this.#presenceTtlSeconds));
    }
  }

  #presence(write: () => Promise<void>): Promise<void> {
    this.#presenceChain = this.#presenceChain
      .then(write)
      .catch((error) => console.error("[gateway] [presence]", error));
    return this.#presenceChain;
  }

  #forget(ws: WebSocket, code?: number): void {
    const connection = this.#sockets.get(ws);
    this.#sockets.delete(ws);
    if (connection) this.#home.closed(connection, code);
  }

  #socketOf(connection: AgentConnection): WebSocket | undefined {
    for (const [ws, c] of this.#sockets) if (c === connection) return ws;
    return undefined;
  }

  /** Keeps exactly one alarm at the earliest deadline the home watches, and none when it watches nothing. */
  async #schedule(): Promise<void> {
    const next = this.#home.nextSweepAt(Date.now());
    if (next === null) {
      if (this.#alarmAt !== null) await this.ctx.storage.deleteAlarm();
      this.#alarmAt = null;
      return;
    }
    if (typeof this.#alarmAt === "number" && this.#alarmAt <= next) return;
    this.#alarmAt = next;
    await this.ctx.storage.setAlarm(next);
  }
}

function wire(ws: WebSocket) {
  return {
    send: (data: string) => ws.send(data),
    close: (code: number, reason: string) => ws.close(code, reason),
  };
}
