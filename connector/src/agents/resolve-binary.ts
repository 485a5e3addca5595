/**
 * Finds an agent binary the way a shell would (PATH lookup, or an explicit path), so `check()` can say exactly
 * what to install instead of failing later with a bare ENOENT. Like a shell, it remembers where it found each
 * command: adapters resolve their binary on every turn, and walking PATH took one filesystem check per entry
 * before the one that holds it (nine on this machine for `cat`, about 0.3 ms of a fast exec agent's turn). A
 * remembered path is checked again each time, so a binary that went away is looked up afresh.
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

/** Where each command was last found, by command, PATH and (for relative paths) working directory. */
const found = new Map<string, string>();
const MAX_REMEMBERED = 256;

export async function resolveBinary(
  command: string,
  hint: InstallHint = {},
  pathEnv = process.env.PATH ?? "",
): Promise<string> {
  const key = `${command}\0${pathEnv}\0${command.includes("/") && !isAbsolute(command) ? process.cwd() : ""}`;
  const remembered = found.get(key);
  if (remembered !== undefined) {
    try {
      await access(remembered, constants.X_OK);
      return remembered;
    } catch {
      found.delete(key); // gone or no longer executable: look again
    }
  }
  const path = await lookUp(command, hint, pathEnv);
  if (found.size >= MAX_REMEMBERED) found.clear();
  found.set(key, path);
  return path;
}

async function lookUp(command: string, hint: InstallHint, pathEnv: string): Promise<string> {
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
