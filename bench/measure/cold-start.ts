/**
 * CLI cold start: wall time of `node <installed bin> --version` (and `--help`) from spawn to exit, as a shell
 * would see it, next to a bare `node -e 0`. The three commands take turns, so a busy moment on the shared
 * machine hits them alike; the median of `runs` each after two warm-up rounds.
 */
import { spawnSync } from "node:child_process";
import type { ConnectorInstall } from "../lib/connector-install.ts";

export const COLD_START = { runs: 21, warmup: 2 };

export interface ColdStart {
  nodeMs: number;
  versionMs: number;
  helpMs: number;
}

export function measureColdStart(install: ConnectorInstall): ColdStart {
  const commands = {
    nodeMs: ["-e", "0"],
    versionMs: [install.bin, "--version"],
    helpMs: [install.bin, "--help"],
  };
  const samples: Record<keyof ColdStart, number[]> = { nodeMs: [], versionMs: [], helpMs: [] };
  for (let i = 0; i < COLD_START.warmup + COLD_START.runs; i++) {
    for (const [key, args] of Object.entries(commands) as Array<[keyof ColdStart, string[]]>) {
      const started = performance.now();
      const result = spawnSync(process.execPath, args, {
        env: { ...process.env, ...install.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const ms = performance.now() - started;
      if (result.status !== 0)
        throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
      if (i >= COLD_START.warmup) samples[key].push(ms);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    nodeMs: median(samples.nodeMs),
    versionMs: median(samples.versionMs),
    helpMs: median(samples.helpMs),
  };
}
