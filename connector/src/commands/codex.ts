/** `agent-mesh codex --as <agent>`: codex interactively with the mesh tools (see interactive.ts). */
import type { Command } from "commander";
import { registerInteractive } from "./interactive.ts";

export function register(program: Command): void {
  registerInteractive(program, "codex");
}
