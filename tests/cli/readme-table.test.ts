/**
 * README.md's CLI table against the real commands: every command, subcommand and option it shows must exist, so
 * copying a line from it never ends in `unknown option` (it once showed `list --all`; `--all` is on start/stop).
 * The commands are loaded in-process, as the CLI registers them; nothing is run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { createProgram } from "../../connector/src/cli/main.ts";
import { COMMANDS } from "../../connector/src/commands/index.ts";
import { ROOT } from "../helpers/gateway-process.ts";

/** The `code` spans of the first column of the table under `| Command | What it does |`, one array per row. */
function tableRows(): string[][] {
  const lines = readFileSync(join(ROOT, "README.md"), "utf8").split("\n");
  const start = lines.indexOf("| Command | What it does |");
  expect(start, "README.md has no CLI table").toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const [, first = ""] = line.split(/(?<!\\)\|/);
    rows.push([...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replaceAll("\\|", "|")));
  }
  return rows;
}

/** Options as written: `--all`, `-f`, also inside `[...]` and `a|--b` alternatives (not a bare `--`). */
const optionsIn = (span: string) => [...span.matchAll(/(?<=^|[\s[|(])(--?[a-z][a-z-]*)/g)].map((m) => m[1]!);

const sub = (command: Command, word: string | undefined) =>
  word === undefined
    ? undefined
    : command.commands.find((c) => c.name() === word.replace(/^\[(.+)\]$/, "$1"));

describe("README.md's CLI table", () => {
  it("shows only commands and options the CLI has", async () => {
    const program = await createProgram(COMMANDS.map((entry) => entry.name));
    const top = (name: string) => program.commands.find((c) => c.name() === name);
    const rows = tableRows();
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      // A span may go on with the row's previous command (`--reply <id> ...`) or its group (`show <ref>`).
      let previous: Command[] = [];
      for (const span of row) {
        const [first, second] = span.split(/\s+/);
        let commands: Command[];
        if (first!.startsWith("-")) commands = previous;
        else {
          const named = first!.split("|").map(top);
          const group = previous[0]?.parent === program ? previous[0] : previous[0]?.parent;
          commands = named.every(Boolean)
            ? (named as Command[])
            : [sub(group ?? program, first)].filter((c): c is Command => c !== undefined);
          expect(commands.length, `README.md names \`${span}\`, which is no command`).toBeGreaterThan(0);
          commands = commands.map((c) => sub(c, second) ?? c);
        }
        for (const command of commands)
          for (const option of optionsIn(span))
            expect(
              command.options.some((o) => o.long === option || o.short === option),
              `README.md shows \`${span}\`, but \`${command.name()}\` has no ${option}`,
            ).toBe(true);
        previous = commands;
      }
    }
  });
});
