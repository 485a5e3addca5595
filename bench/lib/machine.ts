/** The machine and tool versions a run happened on, for the results file. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "./processes.ts";

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  fileLimit: string;
  versions: Record<string, string>;
}

/** One line of a command's output: tools print banners after (Deno) or before (wrangler) their version. */
function version(command: string, args: string[], line: "first" | "last" = "last"): string {
  try {
    const lines = execFileSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 30_000 })
      .trim()
      .split("\n");
    return (line === "first" ? lines[0]! : lines.at(-1)!).trim();
  } catch {
    return "unavailable";
  }
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return {
    date: new Date().toISOString(),
    cpu: model.trim(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    fileLimit: version("bash", ["-c", "echo soft $(ulimit -Sn), hard $(ulimit -Hn)"]),
    versions: {
      node: process.version,
      bun: version(join(ROOT, "node_modules/bun/bin/bun.exe"), ["--version"]),
      deno: version(join(ROOT, "node_modules/deno/deno"), ["--version"], "first"),
      wrangler: version(join(ROOT, "node_modules/.bin/wrangler"), ["--version"]),
    },
  };
}
