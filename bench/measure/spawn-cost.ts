/**
 * What spawning the exec adapter's program costs by itself: spawn `command` the way the adapter must (its own
 * process group, three pipes, a copy of the environment), write the message to its stdin, read its stdout to
 * the end, wait for exit — from this process, no gateway, no connector. The floor the exec round trip is held
 * against (with the echo round trip through the same connector).
 */
import { spawn } from "node:child_process";

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

/** Median milliseconds of one spawn-and-wait. */
export async function measureSpawn(command: string, args: string[], message: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SPAWN.warmup + SPAWN.runs; i++) {
    const started = performance.now();
    await once(command, args, message);
    if (i >= SPAWN.warmup) samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
