/**
 * Fail-closed checks: can a sandbox start here, and if not, one sentence naming the cause and the fix. The
 * runtime's own dependency check misses the commonest failure (user namespaces unavailable: it reports nothing and
 * only the wrapped command fails), so `startSandbox` also runs a trivial command through a real sandbox and asks
 * `explainStartFailure` what went wrong when it does not exit 0.
 * @module
 */
import { readFileSync } from "node:fs";
import { resolveBinary } from "../agents/resolve-binary.ts";
import { CliError } from "../cli/errors.ts";

export const SANDBOX_DOCS = "see docs/sandbox.md";

/** Refuses with `sandbox_unavailable`: the message is the cause and the fix. */
export function sandboxUnavailable(sentence: string): CliError {
  return new CliError("sandbox_unavailable", `--sandbox cannot start: ${sentence}`);
}

/** Checks what can be checked before starting anything: platform, programs, capabilities. */
export async function assertPrerequisites(): Promise<void> {
  if (process.platform === "darwin") {
    if (!(await found("rg")))
      throw sandboxUnavailable("ripgrep (rg) is not installed; install it with `brew install ripgrep`.");
    return;
  }
  if (process.platform !== "linux") {
    throw sandboxUnavailable(
      `it supports Linux and macOS, not ${process.platform}; run without --sandbox or on another machine.`,
    );
  }
  const programs = [
    ["bwrap", "bubblewrap"],
    ["socat", "socat"],
    ["rg", "ripgrep"],
  ] as const;
  const missing: string[] = [];
  for (const [binary, pkg] of programs) if (!(await found(binary))) missing.push(pkg);
  if (missing.length) {
    throw sandboxUnavailable(
      `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not installed; install ${missing.length === 1 ? "it" : "them"} with \`sudo apt-get install -y ${missing.join(" ")}\` (Debian/Ubuntu) or your distribution's packages.`,
    );
  }
  if (process.getuid?.() === 0 && !hasBoundingCapability(CAP_SETFCAP)) {
    throw sandboxUnavailable(
      "the connector runs as root without CAP_SETFCAP in its capability bounding set, which bubblewrap needs as root; run it as a normal user, or give the container that capability (`docker run --cap-add SETFCAP`).",
    );
  }
}

/** After the trivial sandboxed command failed: the likeliest cause, read from the kernel's settings. */
export function explainStartFailure(stderr: string): string {
  const detail = stderr.trim().split("\n").filter(Boolean).at(-1) ?? "no error output";
  if (readSetting("/proc/sys/user/max_user_namespaces") === "0") {
    return "user namespaces are switched off (user.max_user_namespaces is 0); enable them with `sudo sysctl -w user.max_user_namespaces=15000` (and in /etc/sysctl.d to keep it).";
  }
  const notRoot = process.getuid?.() !== 0;
  if (notRoot && readSetting("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") === "1") {
    return (
      "AppArmor forbids unprivileged user namespaces (Ubuntu 24.04+: kernel.apparmor_restrict_unprivileged_userns=1); allow bubblewrap with an AppArmor profile for /usr/bin/bwrap or `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (" +
      SANDBOX_DOCS +
      ")."
    );
  }
  if (notRoot && readSetting("/proc/sys/kernel/unprivileged_userns_clone") === "0") {
    return "unprivileged user namespaces are switched off (kernel.unprivileged_userns_clone=0); enable them with `sudo sysctl -w kernel.unprivileged_userns_clone=1`.";
  }
  return `bubblewrap could not create a sandbox (${detail}); inside Docker the default seccomp profile forbids it — run the container with \`--security-opt seccomp=unconfined\` or a profile that allows user namespaces (${SANDBOX_DOCS}).`;
}

const CAP_SETFCAP = 31;

function hasBoundingCapability(bit: number): boolean {
  const status = readSetting("/proc/self/status") ?? "";
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!hex) return true; // not Linux-like /proc: let the probe decide
  return ((BigInt(`0x${hex}`) >> BigInt(bit)) & 1n) === 1n;
}

function readSetting(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

async function found(binary: string): Promise<boolean> {
  try {
    await resolveBinary(binary);
    return true;
  } catch {
    return false;
  }
}
