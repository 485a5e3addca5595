/**
 * WebSocket close codes used between gateway and connector.
 *
 * 4000–4099 are transient: the connector reconnects with backoff.
 * 4100–4199 are terminal: reconnecting cannot help, so the connector stops and says why.
 * The standard codes 1007 (invalid UTF-8), 1008 (policy), 1009 (too big) and 1011 (internal) keep their usual meaning.
 */
export const CloseCode = {
  /** Normal end (the gateway is shutting down, or the connector said goodbye). */
  normal: 1000,
  /** Gateway going away (restart); reconnect. */
  goingAway: 1001,
  /** Malformed JSON, unknown frame type, a frame before `hello`, or a second `hello`. */
  protocolError: 1002,
  /**
   * A text frame that is not valid UTF-8. Sent by the runtime's WebSocket layer (RFC 6455 §8.1), before the
   * gateway sees the frame; listed so every code a connector can meet is here.
   */
  invalidPayload: 1007,
  /** A frame over the size cap. */
  tooBig: 1009,
  /** Gateway bug; reconnect. */
  internal: 1011,
  /** No frame within the liveness window (≈2.5× the heartbeat interval). */
  heartbeatTimeout: 4000,
  /** No `hello` within the deadline after the socket opened. */
  helloTimeout: 4001,
  /** Credential valid but the agent's home is moving (e.g. a store hiccup); reconnect. */
  retryLater: 4002,
  /**
   * The connector left more than `AGENT_MESH_MAX_UNREAD_BYTES` of the gateway's frames unread (it stopped reading,
   * or its link is far too slow); reconnect, and say what it holds, so what it never got is sent again or re-queued.
   */
  tooSlow: 4003,
  /** Authentication failed: unknown, malformed or expired credential. Do not reconnect. */
  authFailed: 4100,
  /** The credential (or the one it was issued under) was revoked. Do not reconnect. */
  revoked: 4101,
  /** Another connection authenticated for the same agent. Do not reconnect. */
  replaced: 4102,
  /** The agent was deleted. Do not reconnect. */
  agentDeleted: 4103,
  /** No protocol version in common. Do not reconnect (upgrade instead). */
  versionUnsupported: 4104,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** True when the close code means "stop retrying". */
export function isTerminalClose(code: number): boolean {
  return code >= 4100 && code < 4200;
}
