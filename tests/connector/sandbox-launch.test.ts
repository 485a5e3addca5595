/**
 * How a sandboxed run is launched: bubblewrap straight from the connector (no host shell), and, when the run may
 * reach no host, without the runtime's network relays (`--unshare-net`, nothing bridged, the seccomp helper running
 * the program itself). The reader of the runtime's quoted string takes exactly what its `quote` makes, or nothing.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { quote } from "@anthropic-ai/sandbox-runtime/dist/utils/shell-quote.js";
import { afterAll, describe, expect, it } from "vitest";
import { directLaunch, splitQuotedWords } from "../../connector/src/sandbox/direct-launch.ts";
import { startSandbox } from "../../connector/src/sandbox/sandbox.ts";
import { makeProject, randomClientId, removeTempDirs } from "./helpers.ts";
import { sandboxAvailable } from "./sandbox-support.ts";

describe("splitQuotedWords", () => {
  it("reads back every word the runtime's quote writes", () => {
    const words = [
      "bwrap",
      "",
      "it's",
      "a b",
      "line\none",
      "!x && $(y) `z` ;",
      "'",
      "''",
      "--setenv",
      "=lead",
    ];
    expect(splitQuotedWords(quote(words))).toEqual(words);
  });

  it.each([
    ["an expansion", "echo $HOME"],
    ["an operator", "a; b"],
    ["a backslash", "a\\ b"],
    ["a double-quoted string", 'echo "x"'],
    ["two spaces", "a  b"],
    ["an open quote", "echo 'x"],
    ["a tilde", "ls ~"],
  ])("refuses %s", (_what, text) => {
    expect(splitQuotedWords(text)).toBeNull();
  });

  it("leaves a string of another shape to the runtime's own launch", () => {
    expect(
      directLaunch(quote(["/bin/sh", "-c", "exec 3<x", "srt-args"]), { shell: "/bin/sh", network: false }),
    ).toBe(null);
    expect(
      directLaunch(quote(["bwrap", "--", "/bin/bash", "-c", "x"]), { shell: "/bin/sh", network: true }),
    ).toBe(null);
  });
});

const available = sandboxAvailable("sandbox-launch.test.ts (the sandbox needs them)");

describe.skipIf(!available)("a sandboxed launch (real runtime)", () => {
  afterAll(removeTempDirs);

  async function launchOf(allowHosts: string[]) {
    const project = await makeProject();
    const sandbox = await startSandbox({ agentType: "exec", projectDir: project, allowHosts });
    const clientId = randomClientId();
    const cwd = join(project, ".agent-mesh", "clients", clientId);
    await mkdir(cwd, { recursive: true });
    const launch = await sandbox.wrap({ command: "cat", args: ["-n"], env: process.env, cwd, clientId });
    launch.release();
    return launch;
  }

  /** The variables a launch sets inside with `--setenv`. */
  const setInside = (args: string[]) => args.flatMap((arg, i) => (arg === "--setenv" ? [args[i + 1]!] : []));

  it("with no host allowed: bubblewrap without network, relays or proxy, the helper running the program", async () => {
    const { command, args } = await launchOf([]);
    expect(command).toMatch(/(^|\/)bwrap$/);
    expect(args).toContain("--unshare-net");
    expect(args.join(" ")).not.toMatch(/socat|claude-http|3128/);
    expect(setInside(args).filter((name) => /proxy/i.test(name))).toEqual([]);
    expect(args[args.indexOf("HTTPS_PROXY") - 1]).toBe("--unsetenv");
    expect(args.slice(-10)).toEqual([
      "--setenv",
      "TMPDIR",
      expect.stringMatching(/\/\.agent-mesh\/sandbox\/[0-9a-f]{32}\/tmp$/),
      "--setenv",
      "SRT_ALLOW_NESTED_USERNS",
      "0",
      "--",
      expect.stringMatching(/apply-seccomp$/),
      "cat",
      "-n",
    ]);
  });

  it("with a host allowed: bubblewrap with the runtime's relays and proxy, still without a host shell", async () => {
    const { command, args } = await launchOf(["127.0.0.1:9"]);
    expect(command).toMatch(/(^|\/)bwrap$/);
    expect(args).toContain("--unshare-net");
    expect(args.at(-1)).toMatch(/socat TCP6-LISTEN:3128/);
    expect(setInside(args)).toContain("HTTPS_PROXY");
  });
});
