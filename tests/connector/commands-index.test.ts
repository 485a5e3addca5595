/**
 * The lazily loaded command list: every entry loads a module that registers exactly the command it names, with
 * the summary `agent-mesh --help` shows before loading it; and only the named command's module is loaded.
 * `connect` itself loads the MCP server SDK only with a run that relays permission prompts.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandNamed, createProgram } from "../../connector/src/cli/main.ts";
import { COMMANDS } from "../../connector/src/commands/index.ts";
import { ROOT } from "../helpers/gateway-process.ts";

/** The MCP SDK modules a fresh Node process loads while it imports `modules` (run through tsx, as from source). */
function mcpModulesLoadedBy(modules: string[]): string[] {
  const hook = `export async function load(url, context, next) {
    if (url.includes("@modelcontextprotocol")) process.stderr.write("MCP " + url + "\\n");
    return next(url, context);
  }`;
  const script = [
    `import { register } from "node:module";`,
    `register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`,
    ...modules.map((module) => `await import(${JSON.stringify(join(ROOT, module))});`),
  ].join("\n");
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr.split("\n").filter((line) => line.startsWith("MCP "));
}

describe("the command list", () => {
  it("names each module's command with its own description", async () => {
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load()).register(program);
      expect(
        program.commands.map((c) => c.name()),
        entry.name,
      ).toEqual([entry.name]);
      expect(program.commands[0]!.description(), entry.name).toBe(entry.summary);
    }
  });

  it("registers only the command that runs in full; the rest are one-line stubs", async () => {
    const program = await createProgram(["tokens"]);
    const byName = new Map(program.commands.map((c) => [c.name(), c]));
    expect(byName.get("tokens")!.commands.map((c) => c.name())).toEqual(["create", "list", "revoke"]);
    expect(byName.get("agents")!.commands).toEqual([]);
    expect([...byName.keys()]).toEqual(COMMANDS.map((entry) => entry.name));
  });

  it("finds the command in the arguments, also behind `help`", () => {
    expect(commandNamed(["--version"])).toBeUndefined();
    expect(commandNamed(["connect", "echo", "--agent", "x"])).toBe("connect");
    expect(commandNamed(["help", "tokens"])).toBe("tokens");
  });

  it("loads connect without the MCP server SDK, which only a run relaying permission prompts brings", () => {
    // Every connector paid for it at start before (about 100 ms and 9 MB on the bench VM), prompts relayed or not.
    expect(mcpModulesLoadedBy(["connector/src/commands/connect.ts"])).toEqual([]);
    expect(mcpModulesLoadedBy(["connector/src/permissions/relay-server.ts"])).not.toEqual([]);
  });
});
