/**
 * `createGateway`: the whole gateway as one Hono app over Web APIs. Runtime entries (runtimes/<name>) pass in a
 * store, a blob store and either their WebSocket upgrade helper (the agent sockets then live in this process) or
 * a custom hub (Workers: one Durable Object per agent).
 *
 * @example
 * const gateway = createGateway({ runtime: "bun", store, blobs, upgradeWebSocket });
 * Bun.serve({ fetch: gateway.fetch, websocket });
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { createSkillsRegistry } from "../../skills-registry/src/index.ts";
import { bearerToken } from "./auth/middleware.ts";
import type { BlobStore } from "./blob-stores/types.ts";
import { type ClusterOptions, clusterHooks } from "./cluster/cluster-hooks.ts";
import { DEFAULT_CONFIG, type GatewayConfig } from "./config.ts";
import { type ConnectorPackageSource, connectorPackage } from "./connector-package.ts";
import { createCallService } from "./domain/calls.ts";
import { skipIndexPassesOnNewStore } from "./domain/index-passes.ts";
import type { TaskRecord } from "./domain/tasks.ts";
import { a2aRoutes } from "./doors/a2a/index.ts";
import { createA2aPushNotifier } from "./doors/a2a/push.ts";
import { crossOrigin } from "./doors/cross-origin.ts";
import { mcpDoor } from "./doors/mcp/index.ts";
import { shareDoor } from "./doors/share/index.ts";
import { createShareService } from "./doors/share/shares.ts";
import { ApiError, renderError } from "./errors.ts";
import type { GatewayEnv } from "./gateway-env.ts";
import { LocalAgentHome } from "./relay/local-home.ts";
import type { AgentHub } from "./relay/types.ts";
import { agentRoutes } from "./routes/agents.ts";
import { attachmentRoutes, createAttachmentFinalizer } from "./routes/attachments.ts";
import { type AgentSocketShortcut, CONNECT_PATH, localConnect, requireUpgrade } from "./routes/connect.ts";
import { downloadRoutes } from "./routes/downloads.ts";
import { healthRoutes } from "./routes/health.ts";
import { inboxRoutes } from "./routes/inbox.ts";
import { messageRoutes } from "./routes/messages.ts";
import { nodeRoutes } from "./routes/node.ts";
import { openapiRoutes } from "./routes/openapi.ts";
import { mountSkills } from "./routes/skills.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { ticketRoutes } from "./routes/tickets.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { createCoreServices, type GatewayServices, type ProcessStats } from "./services.ts";
import type { SessionStore } from "./session-stores/types.ts";
import { limitBody } from "./util/body-limit.ts";
import { VERSION } from "./version.ts";
import { notFound, webRoutes } from "./web/routes.ts";

export { VERSION };

export interface GatewayOptions {
  runtime: "bun" | "deno" | "node" | "workerd";
  store: SessionStore;
  blobs: BlobStore;
  config?: Partial<GatewayConfig>;
  /** Fixes the admin token (AGENT_MESH_ADMIN_TOKEN); otherwise one is generated on first start. */
  adminToken?: string;
  /** Fixes the gateway secret used to derive client ids and callback keys. */
  secret?: string;
  /** Hosting in this process: the runtime's `upgradeWebSocket` helper. */
  upgradeWebSocket?: UpgradeWebSocket;
  /** Hosting elsewhere (Workers): where agent sockets live, and the handler for `/v1/connect`. */
  hosting?: { hub: AgentHub; connect: MiddlewareHandler };
  /** Where the connector tarball comes from (`/dl/`, tickets' `command`); without it neither exists. */
  connector?: ConnectorPackageSource;
  onError?: (error: unknown, context: { stage: string }) => void;
  /** Several nodes on one Redis (`AGENT_MESH_CLUSTER=redis`): agents on other nodes are reached through it. */
  cluster?: ClusterOptions;
  /** Told after every task state change (A2A push notifications hang here). */
  onTaskChange?: (task: TaskRecord) => Promise<void> | void;
  /** Memory and the open-files limit of this process, for `GET /v1/node` (self-hosted entries pass it). */
  processStats?: () => ProcessStats;
}

export interface Gateway {
  app: Hono<GatewayEnv>;
  fetch: (request: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;
  services: GatewayServices;
  /** Set when agent sockets live in this process. */
  home: LocalAgentHome | null;
  /** Set with `home`: agent sockets taken off upgrade requests by entries that upgrade on their own server. */
  agentSocket: AgentSocketShortcut | null;
  /** Makes sure an admin token exists; returns a newly generated one (print it once) or null. */
  init(): Promise<{ adminToken: string | null }>;
  /** In-process hosts (tests, embedders): every socket closed with 1001, each agent's `last_seen` stamped. */
  dispose(): void;
  /**
   * Before the process exits (the runtime entries' SIGTERM): a single node stamps its agents and leaves their
   * sockets to the exit (`LocalAgentHome.prepareExit`); a cluster node closes each socket as `dispose` does, so that
   * every agent's presence is handed over at once instead of when it expires. Then flush the store and exit.
   */
  prepareExit(): Promise<void>;
}

export function createGateway(options: GatewayOptions): Gateway {
  const config: GatewayConfig = { ...DEFAULT_CONFIG, ...options.config };
  const startedAt = Date.now();
  // Bound below, once the call service exists: followers, A2A push notifications, then the embedder's hook.
  let taskChanged: (task: TaskRecord) => void = () => {};
  const core = createCoreServices({
    config,
    store: options.store,
    secret: options.secret,
    onError: options.onError,
    onTaskChange: (task) => taskChanged(task),
    // One process holding its sockets: every revocation goes through this process's token service, so a reused
    // check is never stale. Not in a cluster (another node's revocation arrives by pub/sub, after requests that
    // must already be refused) and not on Workers (isolates are never told).
    reuseTokenChecks: options.hosting === undefined && !options.cluster,
  });
  let home: LocalAgentHome | null = null;
  let cluster: ReturnType<typeof clusterHooks> | null = null;
  let hub: AgentHub;
  let connect: MiddlewareHandler;
  let agentSocket: AgentSocketShortcut | null = null;
  if (options.hosting) {
    ({ hub, connect } = options.hosting);
  } else if (options.upgradeWebSocket) {
    cluster = options.cluster ? clusterHooks(options.cluster, config, core.onError) : null;
    home = new LocalAgentHome({
      beforeLink: cluster?.beforeLink,
      onUnlinked: cluster?.onUnlinked,
      adoptHeld: cluster?.adoptHeld,
      onRequestSent: cluster?.onRequestSent,
      config,
      tokens: core.tokens,
      agents: core.agents,
      tasks: core.runner,
      finalizeDone: createAttachmentFinalizer(core),
      onError: core.onError,
    });
    hub = cluster ? cluster.wrap(home) : home;
    ({ handler: connect, agentSocket } = localConnect(options.upgradeWebSocket, home, config.maxAgents));
  } else {
    throw new Error("[gateway] pass either `upgradeWebSocket` or `hosting`");
  }
  const services: GatewayServices = {
    ...core,
    runtime: options.runtime,
    version: VERSION,
    blobs: options.blobs,
    hub,
    calls: createCallService({
      ...core,
      hub,
      livesBetweenRequests: options.hosting === undefined,
      taskSender: createShareService(options.store).sessionSender,
    }),
    connector: connectorPackage(options.connector),
    nodeStats: () => {
      const counts = home?.counts();
      const process = options.processStats?.();
      const usage = options.store.usage?.();
      return {
        runtime: options.runtime,
        version: VERSION,
        node_id: options.cluster?.nodeId ?? null,
        uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
        agents_connected: counts?.agentsConnected ?? null,
        agents_max: home ? config.maxAgents : null,
        requests_in_flight: counts?.requestsInFlight ?? null,
        rss_bytes: process?.rssBytes ?? null,
        open_files_limit: process?.openFilesLimit ?? null,
        store_live_bytes: usage?.liveBytes ?? null,
        store_max_live_bytes: usage?.maxLiveBytes ?? null,
        unread_bytes: home ? core.unread.heldBytes : null,
        unread_max_bytes: home ? core.unread.totalBytes : null,
        resume_bytes: counts?.resumeBytes ?? null,
        resume_max_bytes: home ? config.maxResumeBytes : null,
        cluster_log_bytes: cluster?.logChars() ?? null,
      };
    },
  };
  const pushA2a = createA2aPushNotifier(core);
  taskChanged = (task) => {
    services.calls.taskChanged(task);
    void pushA2a(task);
    if (options.onTaskChange) core.notifyExternal(options.onTaskChange, task);
  };

  const app = new Hono<GatewayEnv>();
  // Not async: a pass-through layer that awaits costs every request a promise and a few microtask hops.
  app.use((c, next) => {
    c.set("services", services);
    return next();
  });
  app.use(crossOrigin());
  const limit = limitBody(config.maxBodyBytes);
  app.on(
    ["POST", "PATCH"],
    ["/v1/agents", "/v1/agents/*", "/v1/tokens", "/v1/tickets/*", "/v1/tasks/*", "/mcp", "/s/*"],
    limit,
  );
  app.get(CONNECT_PATH, requireUpgrade, connect);
  app.route("/", healthRoutes);
  app.route("/", nodeRoutes);
  app.route("/", downloadRoutes);
  app.route("/", openapiRoutes);
  app.route("/", tokenRoutes);
  app.route("/", agentRoutes);
  app.route("/", ticketRoutes);
  app.route("/", messageRoutes);
  app.route("/", taskRoutes);
  app.route("/", inboxRoutes);
  app.route("/", attachmentRoutes);
  app.route("/", mcpDoor);
  app.route("/", shareDoor);
  app.route("/", a2aRoutes);
  mountSkills(
    app,
    createSkillsRegistry({
      store: options.store,
      blobs: options.blobs,
      // Skill authors are gateway users: the same tokens, the same user names.
      authenticate: async (request) => {
        const token = bearerToken(request.headers.get("authorization") ?? undefined);
        const check = token ? await core.tokens.verify(token) : null;
        if (check?.status !== "ok") return null;
        return { user: check.record.user, tokenId: check.record.id, scopes: check.record.scopes };
      },
    }),
  );
  app.route("/", webRoutes);
  app.notFound(notFound);
  app.onError((error, c) => {
    const { status, body } = renderError(error);
    // A share link's path is its secret: never let it reach a log line.
    const path = c.req.path.replace(/^\/s\/[^/]+/, "/s/<secret>");
    if (status >= 500 && isFault(error)) services.onError(error, { stage: `${c.req.method} ${path}` });
    if (error instanceof ApiError && error.headers) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    }
    // The rest of an oversized body is never read, so the connection cannot be reused.
    if (status === 413) c.header("connection", "close");
    return c.json(body, status);
  });

  let initialized: Promise<{ adminToken: string | null }> | undefined;
  return {
    app,
    fetch: (request, env, ctx) => app.fetch(request, env, ctx as never),
    services,
    home,
    agentSocket,
    init() {
      // Before the admin token is written: a store with no keys yet needs none of the index passes.
      initialized ??= skipIndexPassesOnNewStore(services.store)
        .then(() => services.tokens.ensureAdmin(options.adminToken))
        .then((adminToken) => ({ adminToken }));
      return initialized;
    },
    dispose() {
      cluster?.dispose();
      home?.dispose();
    },
    async prepareExit() {
      cluster?.dispose();
      await home?.prepareExit({ closeSockets: cluster !== null });
    },
  };
}

/**
 * Whether a 5xx answer is worth a log line. An agent offline or too slow, a full node: the caller is told with a
 * stable code, and a stack trace for each such call (a client polling an offline agent) would bury the faults. What
 * the gateway did not choose is: a bug, a store that refuses (which `services.onError` logs once a minute at most).
 * A full store is logged by the store's wiring, not per request.
 */
function isFault(error: unknown): boolean {
  return !(error instanceof ApiError);
}
