/**
 * Finds an agent binary the way a shell would (PATH lookup, or an explicit path), so `check()` can say exactly
 * what to install instead of failing later with a bare ENOENT.
 * @module
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { AgentRunError } from "./types.ts";

/** What to tell a person who lacks the binary. */
export interface InstallHint {
  /** npm package that provides the binary, if any. */
  npmPackage?: string;
}

export async function resolveBinary(
  command: string,
  hint: InstallHint = {},
  pathEnv = process.env.PATH ?? "",
): Promise<string> {
  const candidates = command.includes("/")
    ? [isAbsolute(command) ? command : resolve(command)]
    : pathEnv
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here (or not executable): try the next PATH entry
    }
  }
  const install = hint.npmPackage
    ? ` Install it with \`npm install -g ${hint.npmPackage}\`, or set the adapter's \`command\` option to its path.`
    : " Check the command name or give an absolute path.";
  const where = command.includes("/") ? `at ${candidates[0]}` : "on PATH";
  throw new AgentRunError(
    "adapter_missing",
    `\`${command}\` was not found ${where} (or is not executable).${install}`,
  );
}
