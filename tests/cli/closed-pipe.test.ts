/**
 * A reader that goes away early (`agent-mesh --help | head -1`) makes the CLI's next write to stdout fail with
 * EPIPE. The CLI then exits quietly, as Unix tools do: no stack trace on stderr, and the status it had (0 here).
 * The test plays `head`: it closes its end of the stdout pipe, at once or after the first bytes.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, cleanupCli, configDir, freshHome } from "./helpers.ts";

afterAll(cleanupCli);

interface Closed {
  code: number | null;
  stderr: string;
}

/** Runs the CLI with stdout a pipe the test closes: before anything is written, or after the first chunk. */
function runAndClose(args: string[], home: string, when: "at-once" | "after-first-bytes"): Promise<Closed> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: home,
    env: { ...process.env, NO_COLOR: "1", HOME: home, AGENT_MESH_HOME: configDir(home) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (when === "at-once") child.stdout.destroy();
  else child.stdout.once("data", () => child.stdout.destroy());
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`agent-mesh ${args.join(" ")} did not exit\nstderr: ${stderr}`));
    }, 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("stdout closed by its reader", () => {
  for (const args of [["--help"], ["call", "--help"]]) {
    it(`agent-mesh ${args.join(" ")} exits quietly`, async () => {
      const result = await runAndClose(args, freshHome(), "at-once");
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    });
  }

  it("a long output (a connector's log) exits quietly once the reader has its first bytes", async () => {
    // One local agent with a big log, as `start` would leave it: `logs` prints it in one write the pipe cannot hold.
    const home = freshHome();
    const config = configDir(home);
    mkdirSync(join(config, "logs"), { recursive: true, mode: 0o700 });
    const agent = { id: "ag_closedpipe", name: "big", type: "echo", project: home };
    writeFileSync(join(config, "config.json"), JSON.stringify({ agents: { big: agent } }));
    chmodSync(join(config, "config.json"), 0o600);
    const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i}`);
    writeFileSync(join(config, "logs", "big.log"), `${lines.join("\n")}\n`);
    const result = await runAndClose(["logs", "big", "-n", "100000"], home, "after-first-bytes");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
