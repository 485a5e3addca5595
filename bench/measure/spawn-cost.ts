/**
 * What spawning the exec adapter's program costs by itself: spawn `command` the way the adapter must (its own
 * process group, three pipes, a copy of the environment), write the message to its stdin, read its stdout to
 * the end, wait for exit — from a fresh Node process, no gateway, no connector. The floor the exec round trip is
 * held against (with the echo round trip through the same connector).
 *
 * Why a fresh process: a fork costs more the more memory its parent holds (here 1.8 ms from a fresh Node process,
 * 2.1 ms from one holding 360 MB, 2.8 ms at 900 MB). The connector that spawns the exec agent is a small process;
 * this bench's own process grows as the run goes on, and measured from it the floor came out a third higher in a
 * full run than in a run of the connector rows alone.
 *
 *   node --import tsx bench/measure/spawn-cost.ts '{"command":"cat","args":[],"message":"hi"}'
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { ROOT } from "../lib/processes.ts";

export const SPAWN = { runs: 300, warmup: 20 };

function once(command: string, args: string[], message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
      env: { ...process.env, AGENT_MESH_REQUEST_ID: "bench" },
    });
    child.stderr.resume();
    let out = "";
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 && out === message ? resolve() : reject(new Error(`${command} exited ${code}: ${out}`)),
    );
    child.stdin.end(message);
  });
}

/** Median milliseconds of one spawn-and-wait, measured in a fresh Node process (see above). */
export async function measureSpawn(command: string, args: string[], message: string): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", import.meta.filename, JSON.stringify({ command, args, message })],
    { cwd: ROOT },
  );
  const median = Number(stdout.trim());
  if (!(median > 0)) throw new Error(`spawn measurement printed ${JSON.stringify(stdout)}`);
  return median;
}

async function measureHere(command: string, args: string[], message: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SPAWN.warmup + SPAWN.runs; i++) {
    const started = performance.now();
    await once(command, args, message);
    if (i >= SPAWN.warmup) samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

if (process.argv[1] === import.meta.filename) {
  const { command, args, message } = JSON.parse(process.argv[2] ?? "{}") as {
    command: string;
    args: string[];
    message: string;
  };
  console.log(await measureHere(command, args, message));
}
