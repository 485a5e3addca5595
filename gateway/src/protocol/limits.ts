/** Defaults shared by both ends of the wire. Every one of them is configurable on the gateway. */
export const PROTOCOL_DEFAULTS = {
  /** The connector pings this often; the gateway closes a socket silent for 2.5× as long. */
  heartbeatMs: 15_000,
  /** How long in-flight requests wait for their agent to come back after a transient drop. */
  graceMs: 30_000,
  /** Largest frame either side accepts; bigger ones close the socket with 1009. */
  maxFrameBytes: 4 * 1024 * 1024,
  /** A socket that has not sent `hello` by then is closed. */
  helloTimeoutMs: 10_000,
} as const;

/** Liveness window as a multiple of the heartbeat interval. */
export const LIVENESS_FACTOR = 2.5;
