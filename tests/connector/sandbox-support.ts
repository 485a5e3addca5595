/**
 * Sandbox test plumbing: whether this machine can run the real sandbox (bubblewrap, socat and ripgrep on PATH),
 * with the loud SKIPPED line (or the failure, under REQUIRE_SANDBOX=1) the house rules ask for.
 * @module
 */
import { spawnSync } from "node:child_process";

const TOOLS = [
  ["bwrap", "bubblewrap"],
  ["socat", "socat"],
  ["rg", "ripgrep"],
] as const;

/** Missing Debian packages for the sandbox, empty when it can run here. */
export function missingSandboxPackages(): string[] {
  if (process.platform !== "linux") return ["(Linux only)"];
  return TOOLS.filter(([bin]) => spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0).map(
    ([, pkg]) => pkg,
  );
}

/** True when the suite can run; otherwise prints SKIPPED (or throws when CI requires the sandbox). */
export function sandboxAvailable(suite: string): boolean {
  const missing = missingSandboxPackages();
  if (!missing.length) return true;
  const line = `SKIPPED: ${suite} (install ${missing.join(" ")})`;
  if (process.env.REQUIRE_SANDBOX === "1") throw new Error(`${line}, but REQUIRE_SANDBOX=1`);
  console.warn(line);
  return false;
}
