/** Capped exponential backoff with jitter, so a fleet of connectors does not reconnect in lockstep. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of the delay that is randomised (0 = none, 0.5 = ±50 %… only downwards). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.3 };

/** Delay before reconnect attempt number `attempt` (0-based). */
export function nextDelay(attempt: number, options: Partial<BackoffOptions> = {}): number {
  const { initialMs, maxMs, factor, jitter } = Object.assign({}, DEFAULT_BACKOFF, options);
  const capped = Math.min(maxMs, initialMs * factor ** Math.min(attempt, 30));
  return Math.round(capped * (1 - jitter * Math.random()));
}
