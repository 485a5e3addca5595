/**
 * Everything a route needs, built once per gateway from the store, the blob store and the hub.
 */
import { createTokenService, type TokenService } from "./auth/tokens.ts";
import type { BlobStore } from "./blob-stores/types.ts";
import type { GatewayConfig } from "./config.ts";
import type { ConnectorPackage } from "./connector-package.ts";
import { type AgentService, createAgentService } from "./domain/agents.ts";
import type { CallService } from "./domain/calls.ts";
import { createInboxService, type InboxService } from "./domain/inbox.ts";
import { createTaskService, type TaskRecord, type TaskService } from "./domain/tasks.ts";
import { ApiError, storeRefusal } from "./errors.ts";
import { createTaskRunner, type TaskRunner } from "./relay/task-runner.ts";
import type { AgentHub } from "./relay/types.ts";
import type { SessionStore } from "./session-stores/types.ts";
import { hmacSha256Hex, randomHex } from "./util/crypto.ts";
import { UnreadBudget } from "./util/unread-budget.ts";

export interface GatewayServices {
  runtime: string;
  version: string;
  config: GatewayConfig;
  store: SessionStore;
  blobs: BlobStore;
  tokens: TokenService;
  agents: AgentService;
  tasks: TaskService;
  runner: TaskRunner;
  inbox: InboxService;
  /** What SSE callers leave unread: per stream, and for the whole process (util/unread-budget.ts). */
  unread: UnreadBudget;
  hub: AgentHub;
  /** What every door uses to start, follow and stop work. */
  calls: CallService;
  /** The connector tarball served at `/dl/` and named in tickets' `command`; null when this gateway has none. */
  connector: ConnectorPackage | null;
  /** What this node holds right now (`GET /v1/node`, admin only). */
  nodeStats(): NodeStats;
  /** Opaque hex id of a caller as seen by one agent: stable, not reversible, never user text. */
  clientId(user: string, agentId: string): string | Promise<string>;
  onError(error: unknown, context: { stage: string }): void;
}

/** `GET /v1/node`: this process's share of the fleet; null where it does not apply (Workers) or is unknown. */
export interface NodeStats {
  runtime: string;
  version: string;
  node_id: string | null;
  uptime_seconds: number;
  agents_connected: number | null;
  requests_in_flight: number | null;
  rss_bytes: number | null;
  /** Each connected agent holds one open file: this caps the node's fleet (docs/capacity.md). */
  open_files_limit: number | null;
  /** Most agent sockets this node takes (`AGENT_MESH_MAX_AGENTS`); null: no cap, or not per node (Workers). */
  agents_max: number | null;
  /** Live data of a store held in this process's memory (fs); null for the other stores. */
  store_live_bytes: number | null;
  /** Its limit (`AGENT_MESH_FS_MAX_MB`): past it new tasks get 507 `store_full`; null: no limit or not such a store. */
  store_max_live_bytes: number | null;
  /** Bytes SSE callers left unread, last counted; past `unread_max_bytes` the largest are cut (null: Workers). */
  unread_bytes: number | null;
  unread_max_bytes: number | null;
  /** Bytes of output requests keep for callers that re-attach; past `resume_max_bytes` the largest forget theirs. */
  resume_bytes: number | null;
  resume_max_bytes: number | null;
  /**
   * In a cluster, characters the logs of this node's calls keep in Redis (JSON text), past `resume_max_bytes` held
   * to one share each; null when not a cluster node.
   */
  cluster_log_bytes: number | null;
}

/** What only the runtime entry can tell (Bun, Deno, Node): memory and the open-files limit. */
export interface ProcessStats {
  rssBytes: number;
  openFilesLimit: number | null;
}

export interface CoreServicesOptions {
  config: GatewayConfig;
  store: SessionStore;
  /** A fixed gateway secret; otherwise one is generated once and kept in the store. */
  secret?: string;
  onError?: (error: unknown, context: { stage: string }) => void;
  /** Told after every task state change the runner saves (see `TaskRunnerOptions.onTaskChange`). */
  onTaskChange?: (task: TaskRecord) => Promise<void> | void;
  /** HTTP requests reuse recent token checks (see `TokenServiceOptions`): only where every revocation is announced. */
  reuseTokenChecks?: boolean;
}

/** The store-backed services, without a hub (the hub needs them to exist first). */
export function createCoreServices(options: CoreServicesOptions) {
  const { store, config } = options;
  const report =
    options.onError ?? ((error, context) => console.error(`[gateway] [${context.stage}]`, error));
  // A store outage is logged once by the store when it begins and ends, not once per refused request; so is a
  // full fs store, by its wiring (runtimes/shared/fs-stores.ts). A full Redis, one (or a data folder) that takes no
  // writes, or a store that refuses every request (Upstash's request quota) is logged at most once a minute.
  let fullReportedAt = Number.NEGATIVE_INFINITY;
  const onError = (error: unknown, context: { stage: string }) => {
    if (error instanceof ApiError && error.code === "store_full") return;
    const refused = storeRefusal(error);
    const refusal = refused?.code;
    // An outage is logged by the store itself; a store that answers but refuses every request is not.
    if (refusal === "store_unavailable" && refused?.reason === undefined) return;
    if (refusal === "store_full" || refusal === "store_read_only" || refusal === "store_unavailable") {
      if (Date.now() - fullReportedAt < 60_000) return;
      fullReportedAt = Date.now();
    }
    report(error, context);
  };
  let secretPromise: Promise<string> | undefined;
  const secret = () => {
    secretPromise ??= options.secret
      ? Promise.resolve(options.secret)
      : (async () => {
          // `add` makes concurrent first starts agree on one secret.
          await store.add("meta:secret", randomHex(32));
          return (await store.get<string>("meta:secret"))!;
        })();
    return secretPromise;
  };
  const tokens = createTokenService(store, { reuseChecks: options.reuseTokenChecks });
  const agents = createAgentService(store);
  const tasks = createTaskService(store, { ttlSeconds: Math.ceil(config.taskTtlMs / 1000) });
  const runner = createTaskRunner({
    tasks,
    secret,
    maxAttempts: config.maxTaskAttempts,
    storeRetryMs: config.storeRetryMs,
    onError,
    onTaskChange: options.onTaskChange,
  });
  const clientIds = new Map<string, string>();
  /** Remembered ids come back as they are, with no async frame: every call asks for one. */
  function clientId(user: string, agentId: string): string | Promise<string> {
    const key = `${user}\n${agentId}`;
    return clientIds.get(key) ?? mintClientId(key);
  }
  async function mintClientId(key: string): Promise<string> {
    const id = (await hmacSha256Hex(await secret(), `client:${key}`)).slice(0, 32);
    if (clientIds.size > 10_000) clientIds.clear();
    clientIds.set(key, id);
    return id;
  }
  /** Calls a task-change listener without letting it throw into the caller. */
  function notifyExternal(listener: (task: TaskRecord) => Promise<void> | void, task: TaskRecord): void {
    try {
      Promise.resolve(listener(task)).catch((error) => onError(error, { stage: "task-change" }));
    } catch (error) {
      onError(error, { stage: "task-change" });
    }
  }
  /** For state changes saved outside the runner (a cancel): tells the same listener. */
  function notifyTaskChange(task: TaskRecord): void {
    if (options.onTaskChange) notifyExternal(options.onTaskChange, task);
  }
  return {
    config,
    store,
    tokens,
    agents,
    tasks,
    runner,
    inbox: createInboxService(store, { answerTask: runner.answerFromInbox }),
    unread: new UnreadBudget({
      perStreamBytes: config.maxUnreadBytes,
      totalBytes: config.maxUnreadTotalBytes,
    }),
    secret,
    clientId,
    onError,
    notifyTaskChange,
    notifyExternal,
  };
}

export type CoreServices = ReturnType<typeof createCoreServices>;
