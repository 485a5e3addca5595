/**
 * Errors of the registry: one class carrying an HTTP status and a stable snake_case code, rendered once as
 * `{"error":{"code","message",...details}}`.
 * @module
 */

/** One problem found while validating a published archive. */
export interface Problem {
  code: string;
  message: string;
  path?: string;
}

export class RegistryError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Thrown when an archive or SKILL.md has problems; carries the complete list, not just the first. */
export class ValidationError extends RegistryError {
  readonly problems: Problem[];
  constructor(problems: Problem[], status = 422) {
    const summary = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
    super(status, "validation_failed", `the skill is not valid: ${summary}`, { problems });
    this.problems = problems;
  }
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export function errorResponse(error: unknown): Response {
  if (error instanceof RegistryError) {
    return jsonResponse(
      { error: { code: error.code, message: error.message, ...error.details } },
      error.status,
    );
  }
  if ((error as { code?: unknown } | null)?.code === "update_conflict") {
    // A compare-and-set step (a tag move, an unpublish) lost to other writers every time: nothing was changed.
    return jsonResponse(
      {
        error: {
          code: "store_busy",
          message:
            "Other requests kept changing the same record while this one tried to; nothing was changed. Retry in a moment.",
        },
      },
      503,
    );
  }
  // An unexpected failure: log it with its cause for the operator, show the client a stable code only.
  console.error("[skills-registry] internal error", error);
  return jsonResponse(
    { error: { code: "internal_error", message: "internal error in the skills registry" } },
    500,
  );
}
