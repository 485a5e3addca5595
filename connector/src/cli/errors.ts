/**
 * An error meant for the person at the terminal: printed as `agent-mesh: <message> [<code>]` with no stack (see
 * `errorText`). The message itself carries no code, so `--json` output can give both as fields.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string;
  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** How an error reads after `agent-mesh: `: a CliError's message and its code; anything else, its message. */
export function errorText(error: unknown): string {
  if (error instanceof CliError) return `${error.message} [${error.code}]`;
  return error instanceof Error ? error.message : String(error);
}
