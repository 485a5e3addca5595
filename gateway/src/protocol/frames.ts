/**
 * The gateway ↔ connector wire protocol, declared once. Every frame is a JSON text message with a `type`.
 * The connector imports these schemas and types; nothing else redeclares them.
 *
 * Session shape:
 *   connector → `hello` (first frame: versions it speaks, its credential, requests it still holds)
 *   gateway   → `welcome` (the version chosen, timings, which held requests to resume and from which seq)
 *   gateway   → `request` / `cancel` / `ack` / `pong`
 *   connector → `chunk` / `done` / `error` / `ping`
 *
 * @module
 */
import * as v from "valibot";

/** The protocol versions this build speaks. `hello` offers a range; the gateway picks the highest shared one. */
export const PROTOCOL_VERSION = 3;
/** The first version with permission prompts (`permission` chunks and `input` frames). */
export const PROMPTS_SINCE_VERSION = 2;
/**
 * The first version whose connectors withdraw a prompt they decided by themselves (a `permission` chunk carrying a
 * `PromptWithdrawal`). A connector sends one only to a gateway that chose this version or later: an older gateway
 * would show it to callers as a prompt.
 */
export const PROMPT_WITHDRAWAL_SINCE_VERSION = 3;
export const MIN_PROTOCOL_VERSION = 1;

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const seq = v.pipe(v.number(), v.integer(), v.minValue(1));

export const CHUNK_KINDS = ["text", "thinking", "tool_start", "tool_result", "status", "permission"] as const;
export type ChunkKind = (typeof CHUNK_KINDS)[number];

/**
 * The delta of a `permission` chunk (JSON) is one of two things. A `PermissionPrompt`: the agent wants to use a tool
 * that needs the caller's approval and waits for an `input` frame with the same `prompt_id` (or denies by itself
 * after its own timeout). Or, from protocol 3, a `PromptWithdrawal`: the agent decided that prompt by itself, and no
 * answer is taken any more.
 */
export const PermissionPrompt = v.object({
  prompt_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  tool: v.pipe(v.string(), v.maxLength(256)),
  /** The tool's input as the agent would run it (for `allow` with edits, send back a changed copy). */
  input: v.optional(v.unknown()),
  /** One line a person can judge, e.g. `Write notes.md (12 lines)`. */
  summary: v.optional(v.pipe(v.string(), v.maxLength(1024))),
  /** Seconds until the agent denies by itself. */
  timeout_s: v.optional(v.number()),
});
export type PermissionPrompt = v.InferOutput<typeof PermissionPrompt>;

/**
 * An agent closed one of its prompts without the caller (protocol ≥ 3): it waited `timeout_s` and denied. It has no
 * `tool`, so a gateway that predates it never mistakes it for a new prompt (it fails `PermissionPrompt`).
 */
export const PromptWithdrawal = v.object({
  prompt_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  withdrawn: v.literal(true),
  decision: v.literal("deny"),
  /** Why the agent decided by itself; `timeout` today. A snake_case code, so later reasons parse too. */
  reason: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,63}$/)),
  /** The same line the stream's `status` chunk carries, for a person. */
  message: v.optional(v.pipe(v.string(), v.maxLength(1024))),
});
export type PromptWithdrawal = v.InferOutput<typeof PromptWithdrawal>;

/** A caller's answer to a permission prompt, as the gateway passes it to the connector. */
export const PromptAnswer = v.object({
  prompt_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  decision: v.picklist(["allow", "deny"]),
  /** With `allow`: the tool input to use instead of the agent's (allow with edits). */
  updated_input: v.optional(v.record(v.string(), v.unknown())),
  /** Told to the model with a deny (why), or with an allow (a note). */
  message: v.optional(v.pipe(v.string(), v.maxLength(4096))),
});
export type PromptAnswer = v.InferOutput<typeof PromptAnswer>;

export const AttachmentSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  url: v.string(),
});
export type Attachment = v.InferOutput<typeof AttachmentSchema>;

// --- connector → gateway ---

export const HelloFrame = v.object({
  type: v.literal("hello"),
  /** Inclusive range of protocol versions the connector speaks. */
  protocol: v.object({ min: v.pipe(v.number(), v.integer()), max: v.pipe(v.number(), v.integer()) }),
  /** A user token (with `agent`) or an agent credential redeemed from a ticket. Never sent in the URL. */
  token: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  /** Agent id or name; required with a user token, optional with an agent credential. */
  agent: v.optional(v.pipe(v.string(), v.maxLength(128))),
  /** How many requests the connector takes at once (running + queued); the gateway sends no more. */
  max_inflight: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  /** Requests still held after a reconnect, with the last seq the connector sent for each. */
  inflight: v.optional(v.array(v.object({ id, seq: v.pipe(v.number(), v.integer(), v.minValue(0)) }))),
  client: v.optional(v.object({ name: v.string(), version: v.string(), adapter: v.optional(v.string()) })),
});

export const ChunkFrame = v.object({
  type: v.literal("chunk"),
  id,
  seq,
  delta: v.string(),
  kind: v.optional(v.picklist(CHUNK_KINDS)),
});

export const DoneFrame = v.object({
  type: v.literal("done"),
  id,
  seq,
  result: v.string(),
  attachments: v.optional(v.array(AttachmentSchema)),
  /** An agent asks for more input: the task ends in the `input-required` state (A2A). */
  input_required: v.optional(v.boolean()),
});

export const ErrorFrame = v.object({
  type: v.literal("error"),
  id,
  seq,
  code: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,63}$/)),
  message: v.pipe(v.string(), v.maxLength(4096)),
});

export const PingFrame = v.object({ type: v.literal("ping"), t: v.optional(v.number()) });

export const ConnectorFrame = v.variant("type", [HelloFrame, ChunkFrame, DoneFrame, ErrorFrame, PingFrame]);

// --- gateway → connector ---

export const WelcomeFrame = v.object({
  type: v.literal("welcome"),
  protocol: v.number(),
  agent: v.object({ id: v.string(), name: v.string() }),
  heartbeat_ms: v.number(),
  grace_ms: v.number(),
  max_frame_bytes: v.number(),
  /** For each held request the gateway still waits for: the last seq it has (resend what follows). */
  resume: v.array(v.object({ id: v.string(), seq: v.number() })),
  /** Held requests the gateway has given up on: stop them. */
  drop: v.array(v.string()),
});

export const RequestFrame = v.object({
  type: v.literal("request"),
  id,
  session_id: v.string(),
  /** Opaque hex id of the caller, stable per (caller, agent): the connector isolates callers by it. */
  client_id: v.pipe(v.string(), v.regex(/^[0-9a-f]{16,64}$/)),
  message: v.string(),
  /** When true the caller waits on a durable task (async); otherwise a live stream. */
  task: v.optional(v.boolean()),
  /**
   * Ids of the agents whose requests led to this one, outermost first, ending with this agent. The connector
   * hands it to the agent's process (AGENT_MESH_CHAIN) so calls the agent makes carry it on, and the gateway can
   * stop loops and chains past the depth limit.
   */
  chain: v.optional(v.array(v.string())),
  /** Acknowledgements riding along (see AckFrame), saving a frame per request under load. */
  acks: v.optional(v.array(v.string())),
});

export const CancelFrame = v.object({ type: v.literal("cancel"), id, reason: v.optional(v.string()) });
/** The caller answered a permission prompt of request `id` (protocol ≥ 2). */
export const InputFrame = v.object({ type: v.literal("input"), id, ...PromptAnswer.entries });
/**
 * The gateway has the final frames of these requests: the connector may forget them. Acks are batched: they ride
 * on the next `request` frame or go out on the gateway's next sweep, so a request costs no extra frame.
 */
export const AckFrame = v.object({ type: v.literal("ack"), ids: v.array(v.string()) });
export const PongFrame = v.object({ type: v.literal("pong"), t: v.optional(v.number()) });

export const GatewayFrame = v.variant("type", [
  WelcomeFrame,
  RequestFrame,
  CancelFrame,
  AckFrame,
  PongFrame,
  InputFrame,
]);

export type HelloFrame = v.InferOutput<typeof HelloFrame>;
export type ChunkFrame = v.InferOutput<typeof ChunkFrame>;
export type DoneFrame = v.InferOutput<typeof DoneFrame>;
export type ErrorFrame = v.InferOutput<typeof ErrorFrame>;
export type PingFrame = v.InferOutput<typeof PingFrame>;
export type ConnectorFrame = v.InferOutput<typeof ConnectorFrame>;
export type WelcomeFrame = v.InferOutput<typeof WelcomeFrame>;
export type RequestFrame = v.InferOutput<typeof RequestFrame>;
export type CancelFrame = v.InferOutput<typeof CancelFrame>;
export type InputFrame = v.InferOutput<typeof InputFrame>;
export type AckFrame = v.InferOutput<typeof AckFrame>;
export type PongFrame = v.InferOutput<typeof PongFrame>;
export type GatewayFrame = v.InferOutput<typeof GatewayFrame>;
