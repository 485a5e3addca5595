/**
 * Every top-level command, in help order. A command's module is imported only when that command runs (or its
 * help is asked for), so `agent-mesh --version` and `--help` load nothing but this list and commander.
 *
 * Adding a command: write `src/commands/<name>.ts` exporting `register(program)`, then add one line here with
 * its name, a one-line summary (what `agent-mesh --help` shows) and `load: () => import("./<name>.ts")`.
 * @module
 */
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  /** Shown in `agent-mesh --help`; keep it equal to the description the module registers. */
  summary: string;
  load: () => Promise<{ register(program: Command): void }>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "login",
    summary: "log in to a gateway with a token (prompts for what is missing when run in a terminal)",
    load: () => import("./login.ts"),
  },
  {
    name: "status",
    summary: "show the gateway, the logged-in user and the local agents",
    load: () => import("./status.ts"),
  },
  {
    name: "logout",
    summary: "remove the saved user token from this machine",
    load: () => import("./logout.ts"),
  },
  {
    name: "agents",
    summary:
      "create, list, show, update, publish, unpublish, share and delete agents; print a connect command",
    load: () => import("./agents.ts"),
  },
  {
    name: "connect",
    summary: "connect a local agent to the gateway and stay connected",
    load: () => import("./connect.ts"),
  },
  {
    name: "chat",
    summary: "chat with an agent: one message, or a REPL when no message is given",
    load: () => import("./chat.ts"),
  },
  {
    name: "call",
    summary: "send one task to an agent and print the answer",
    load: () => import("./call.ts"),
  },
  {
    name: "task",
    summary: "show an async task; --wait waits for it to end; --allow, --deny or --reply answers it",
    load: () => import("./task.ts"),
  },
  {
    name: "inbox",
    summary: "read your agent's inbox; --reply answers an ask, --ack removes messages, --send leaves one",
    load: () => import("./inbox.ts"),
  },
  {
    name: "tasks",
    summary: "list your async tasks, newest first",
    load: () => import("./tasks.ts"),
  },
  { name: "cancel", summary: "cancel an async task", load: () => import("./cancel.ts") },
  { name: "discover", summary: "find agents you can call", load: () => import("./discover.ts") },
  {
    name: "mcp",
    summary:
      "serve the mesh tools (list, ask and message agents; your inbox) to a local agent over stdio MCP",
    load: () => import("./mcp.ts"),
  },
  {
    name: "claude",
    summary: "start claude interactively with the mesh tools, online as one of your agents",
    load: () => import("./claude.ts"),
  },
  {
    name: "codex",
    summary: "start codex interactively with the mesh tools, online as one of your agents",
    load: () => import("./codex.ts"),
  },
  {
    name: "gemini",
    summary: "start gemini interactively with the mesh tools, online as one of your agents",
    load: () => import("./gemini.ts"),
  },
  {
    name: "start",
    summary: "start a saved agent's connector in the background",
    load: () => import("./start.ts"),
  },
  {
    name: "stop",
    summary: "stop an agent's connector (SIGTERM, then SIGKILL after a few seconds)",
    load: () => import("./stop.ts"),
  },
  {
    name: "restart",
    summary: "restart an agent's connector in the background",
    load: () => import("./restart.ts"),
  },
  { name: "logs", summary: "print a connector's log", load: () => import("./logs.ts") },
  { name: "list", summary: "list local agents and their connectors", load: () => import("./list.ts") },
  { name: "config", summary: "show the configuration or change settings", load: () => import("./config.ts") },
  {
    name: "tokens",
    summary: "admin: create, list and revoke user tokens (log in with the admin token first)",
    load: () => import("./tokens.ts"),
  },
  {
    name: "gateway",
    summary: "run a gateway on Node with the fs store (data in --data-dir)",
    load: () => import("./gateway.ts"),
  },
  {
    name: "skills",
    summary: "publish skills to the gateway's registry and install them into projects (see docs/skills.md)",
    load: () => import("./skills.ts"),
  },
];
