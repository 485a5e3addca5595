/**
 * The error codes the gateway and the registry can answer with: every snake_case string literal in their sources
 * (errors are built from literals: `new ApiError(404, "share_not_found", …)`, `errors.conflict("…", …)`, the
 * registry's `fail("…")`). A fuzzed refusal must carry one of them — a code that echoes input, or one built at
 * run time, would not be stable, and a person could not look it up.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../../..");
const SOURCES = ["gateway/src", "skills-registry/src"];

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) yield path;
  }
}

let cached: Set<string> | undefined;

export function knownErrorCodes(): Set<string> {
  if (cached) return cached;
  cached = new Set();
  for (const dir of SOURCES) {
    for (const file of sourceFiles(join(ROOT, dir))) {
      for (const match of readFileSync(file, "utf8").matchAll(
        /["'`]([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+)["'`]/g,
      ))
        cached.add(match[1]!);
    }
  }
  return cached;
}

export const SNAKE_CASE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
