/**
 * The lazily loaded command list: every entry loads a module that registers exactly the command it names, with
 * the summary `agent-mesh --help` shows before loading it; and only the named command's module is loaded.
 */
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandNamed, createProgram } from "../../connector/src/cli/main.ts";
import { COMMANDS } from "../../connector/src/commands/index.ts";

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
});
