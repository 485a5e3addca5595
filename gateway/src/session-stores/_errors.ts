/**
 * Errors raised by the storage layer. Each carries a stable snake_case `code` so callers and logs can match on it.
 * @module
 */

/** An error of the storage layer with a stable `code` (e.g. `invalid_ttl`, `not_an_integer`). */
export class StoreError extends Error {
  readonly code: string;
  /** Why, in words a caller may read (`Redis reached its maxmemory`); the message is for operators' logs. */
  readonly reason: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; reason?: string }) {
    super(`[gateway] [store] ${message}`, options);
    this.name = "StoreError";
    this.code = code;
    this.reason = options?.reason;
  }
}
