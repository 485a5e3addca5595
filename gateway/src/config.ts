/**
 * Gateway limits and timings. Every value has a default and can be set from the environment
 * (see `configFromEnv`), so each runtime entry reads them the same way.
 */
import { PROTOCOL_DEFAULTS } from "./protocol/index.ts";

export interface GatewayConfig {
  /** Largest HTTP request body accepted (bytes). */
  maxBodyBytes: number;
  /** Largest WebSocket frame accepted (bytes); bigger frames close the socket with 1009. */
  maxFrameBytes: number;
  /** Most requests one agent may have in flight. */
  maxInflightPerAgent: number;
  /** How long a synchronous (JSON) call waits for the agent's answer. */
  syncTimeoutMs: number;
  /** How long an async task may run once delivered before it fails with `task_timeout`. */
  asyncTimeoutMs: number;
  /** Interval the connector is asked to ping at; silence for 2.5× this closes the socket. */
  heartbeatMs: number;
  /** How long in-flight requests wait for a dropped agent to reconnect. */
  graceMs: number;
  /** Deadline for the first frame (`hello`). */
  helloTimeoutMs: number;
  /**
   * How long a live call whose caller dropped keeps running (and how long its ending is kept) so the caller can
   * re-attach with `Last-Event-ID`; after that it is canceled.
   */
  resumeWindowMs: number;
  /** SSE keepalive comment interval while the agent is silent. */
  keepaliveMs: number;
  /**
   * Bytes of an SSE stream its caller may leave unread (it stopped reading, or reads slower than the agent
   * writes) before the gateway drops the connection, as if the caller had left, instead of holding the output;
   * and bytes of frames waiting for a connector that stopped reading before its socket is closed (4003).
   */
  maxUnreadBytes: number;
  /** Bytes all SSE callers of one process may leave unread together; past it the largest holders are cut. */
  maxUnreadTotalBytes: number;
  /**
   * Bytes of output the requests of one agent home (a process; on Workers an agent's Durable Object) keep together
   * for callers that re-attach; past it the requests keeping the most forget theirs (resume-budget.ts).
   */
  maxResumeBytes: number;
  /**
   * How long a caller's connection may sit with nothing from it (a body that stopped arriving, or kept alive with
   * no next request) before it is closed; more than `keepaliveMs`, so a quiet SSE stream is not cut. Applied by the
   * Bun entry (Bun's `idleTimeout`, whole seconds up to 255) and, between requests only, by Node's
   * (`keepAliveTimeout`); Deno has none to set.
   */
  idleTimeoutMs: number;
  /** Time to live of a one-time connect ticket. */
  ticketTtlMs: number;
  /** How long finished tasks stay readable. */
  taskTtlMs: number;
  /** Times a task is re-delivered after its agent vanished before it fails. */
  maxTaskAttempts: number;
  /**
   * How long an agent's answer to a task (or its open prompt) is retried while the store refuses it for now
   * (unreachable, full, busy); then the agent is asked to reconnect and send it again.
   */
  storeRetryMs: number;
  /**
   * Whether `callback_url` may name loopback, private or link-local addresses. Off by default: a caller could
   * otherwise make the gateway POST into its own network.
   */
  allowPrivateCallbacks: boolean;
  /** Requests per window each token may make on the calling doors (/v1 messages, /mcp, /a2a); null = off. */
  rateLimit: RateLimit | null;
  /** Requests per window each share link may take (a share can lower its own); null = off. */
  shareRateLimit: RateLimit | null;
  /** Hostnames besides localhost-class ones whose pages may use the gateway from a browser (CORS, and `/mcp`). */
  allowedOrigins: string[];
  /**
   * Most agent sockets this process holds at once; one more is refused with `503 node_full` before its upgrade.
   * Each socket is an open file, and a process that runs out of them cannot accept callers either (Deno's server
   * stops accepting altogether), so the self-hosted entries derive it from the open-files limit. Null: no cap (the
   * default of `createGateway`; on Workers each agent has its own Durable Object).
   */
  maxAgents: number | null;
}

/** At most `limit` requests per `windowSeconds` (a fixed window). */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export const DEFAULT_CONFIG: GatewayConfig = {
  maxBodyBytes: 1024 * 1024,
  maxFrameBytes: PROTOCOL_DEFAULTS.maxFrameBytes,
  maxInflightPerAgent: 100,
  syncTimeoutMs: 300_000,
  asyncTimeoutMs: 3_600_000,
  heartbeatMs: PROTOCOL_DEFAULTS.heartbeatMs,
  graceMs: PROTOCOL_DEFAULTS.graceMs,
  helloTimeoutMs: PROTOCOL_DEFAULTS.helloTimeoutMs,
  keepaliveMs: 15_000,
  maxUnreadBytes: 16 * 1024 * 1024,
  maxUnreadTotalBytes: 256 * 1024 * 1024,
  maxResumeBytes: 256 * 1024 * 1024,
  idleTimeoutMs: 60_000,
  resumeWindowMs: 10_000,
  ticketTtlMs: 15 * 60_000,
  taskTtlMs: 7 * 24 * 3_600_000,
  maxTaskAttempts: 3,
  storeRetryMs: 5 * 60_000,
  allowPrivateCallbacks: false,
  rateLimit: { limit: 600, windowSeconds: 60 },
  shareRateLimit: { limit: 60, windowSeconds: 60 },
  allowedOrigins: [],
  maxAgents: null,
};

type NumericSetting = {
  [K in keyof GatewayConfig]: GatewayConfig[K] extends number ? K : never;
}[keyof GatewayConfig];

/** Environment variable for each numeric setting, e.g. `AGENT_MESH_GRACE_MS=5000`. */
const ENV_NAMES: Record<NumericSetting, string> = {
  maxBodyBytes: "AGENT_MESH_MAX_BODY_BYTES",
  maxFrameBytes: "AGENT_MESH_MAX_FRAME_BYTES",
  maxInflightPerAgent: "AGENT_MESH_MAX_INFLIGHT",
  syncTimeoutMs: "AGENT_MESH_SYNC_TIMEOUT_MS",
  asyncTimeoutMs: "AGENT_MESH_ASYNC_TIMEOUT_MS",
  heartbeatMs: "AGENT_MESH_HEARTBEAT_MS",
  graceMs: "AGENT_MESH_GRACE_MS",
  helloTimeoutMs: "AGENT_MESH_HELLO_TIMEOUT_MS",
  keepaliveMs: "AGENT_MESH_KEEPALIVE_MS",
  maxUnreadBytes: "AGENT_MESH_MAX_UNREAD_BYTES",
  maxUnreadTotalBytes: "AGENT_MESH_MAX_UNREAD_TOTAL_BYTES",
  maxResumeBytes: "AGENT_MESH_MAX_RESUME_BYTES",
  idleTimeoutMs: "AGENT_MESH_IDLE_TIMEOUT_MS",
  resumeWindowMs: "AGENT_MESH_RESUME_MS",
  ticketTtlMs: "AGENT_MESH_TICKET_TTL_MS",
  taskTtlMs: "AGENT_MESH_TASK_TTL_MS",
  maxTaskAttempts: "AGENT_MESH_MAX_TASK_ATTEMPTS",
  storeRetryMs: "AGENT_MESH_STORE_RETRY_MS",
};

/**
 * Reads overrides from an env record. A number that is not a positive integer, or a flag that is not
 * `1|true|0|false`, is an error naming the variable.
 */
export function configFromEnv(env: Record<string, unknown>): GatewayConfig {
  const config = { ...DEFAULT_CONFIG };
  for (const key of Object.keys(ENV_NAMES) as NumericSetting[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw === undefined || raw === "") continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`[gateway] ${ENV_NAMES[key]} must be a positive integer, got ${JSON.stringify(raw)}`);
    }
    config[key] = value;
  }
  const flag = env.AGENT_MESH_ALLOW_PRIVATE_CALLBACKS;
  if (flag !== undefined && flag !== "") {
    if (!["1", "true", "0", "false"].includes(String(flag))) {
      throw new Error(
        `[gateway] AGENT_MESH_ALLOW_PRIVATE_CALLBACKS must be 1, true, 0 or false, got ${JSON.stringify(flag)}`,
      );
    }
    config.allowPrivateCallbacks = flag === "1" || flag === "true";
  }
  const rate = env.AGENT_MESH_RATE_LIMIT;
  if (rate !== undefined && rate !== "") config.rateLimit = parseRateLimit("AGENT_MESH_RATE_LIMIT", rate);
  const shareRate = env.AGENT_MESH_SHARE_RATE_LIMIT;
  if (shareRate !== undefined && shareRate !== "")
    config.shareRateLimit = parseRateLimit("AGENT_MESH_SHARE_RATE_LIMIT", shareRate);
  const maxAgents = env.AGENT_MESH_MAX_AGENTS;
  if (maxAgents !== undefined && maxAgents !== "") config.maxAgents = parseMaxAgents(maxAgents);
  const origins = env.AGENT_MESH_ALLOWED_ORIGINS;
  if (typeof origins === "string" && origins !== "")
    config.allowedOrigins = origins
      .split(",")
      .map((o) => o.trim().toLowerCase())
      .filter(Boolean);
  const idle = env.AGENT_MESH_IDLE_TIMEOUT_MS;
  if (idle === undefined || idle === "") {
    // Past the keepalive, so a quiet SSE stream is not cut (Bun's ceiling wins over a keepalive of minutes).
    config.idleTimeoutMs = Math.min(255_000, Math.max(config.idleTimeoutMs, config.keepaliveMs + 5_000));
  } else checkIdleTimeout(config);
  return config;
}

/** Bun's timeout is whole seconds up to 255, and a quiet SSE stream writes only its keepalives. */
function checkIdleTimeout({ idleTimeoutMs, keepaliveMs }: GatewayConfig): void {
  if (idleTimeoutMs > 255_000) {
    throw new Error(
      `[gateway] AGENT_MESH_IDLE_TIMEOUT_MS can be at most 255000 (Bun's longest), got ${idleTimeoutMs}`,
    );
  }
  // Bun's timer ticks every 4 s: a connection can go up to 4 s before its timeout.
  if (idleTimeoutMs < keepaliveMs + 5_000) {
    throw new Error(
      `[gateway] AGENT_MESH_IDLE_TIMEOUT_MS (${idleTimeoutMs}) must be at least AGENT_MESH_KEEPALIVE_MS ` +
        `(${keepaliveMs}) plus 5000, or quiet SSE streams would be closed between their keepalives`,
    );
  }
}

/** `AGENT_MESH_MAX_AGENTS`: a positive integer, or `off` for no cap. */
function parseMaxAgents(raw: unknown): number | null {
  const text = String(raw).trim().toLowerCase();
  if (text === "off") return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(
      `[gateway] AGENT_MESH_MAX_AGENTS must be a positive integer or off, got ${JSON.stringify(raw)}`,
    );
  return value;
}

const WINDOW_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * `<n>/<window>`: `600/60s`, `100/1m`, `5000/1h` (a bare number of seconds works too); `off` disables.
 */
export function parseRateLimit(name: string, raw: unknown): RateLimit | null {
  const text = String(raw).trim().toLowerCase();
  if (text === "off" || text === "0") return null;
  const match = /^(\d+)\/(\d+)([smh]?)$/.exec(text);
  const limit = match ? Number(match[1]) : 0;
  const windowSeconds = match ? Number(match[2]) * WINDOW_UNITS[match[3] || "s"]! : 0;
  if (!match || limit <= 0 || windowSeconds <= 0 || windowSeconds > 86_400) {
    throw new Error(
      `[gateway] ${name} must look like 600/60s (requests per window of s, m or h, at most 24 h) or off, got ${JSON.stringify(raw)}`,
    );
  }
  return { limit, windowSeconds };
}
