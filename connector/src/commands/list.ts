/** `agent-mesh list`: the local agents with their connector's PID, connection, active requests and uptime. */
import type { Command } from "commander";
import { runningConnector } from "../background/process-state.ts";
import { formatDuration, printJson, printTable } from "../cli/output.ts";
import { loadConfig } from "../config.ts";

export function register(program: Command): void {
  program
    .command("list")
    .description("list local agents and their connectors")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh list --json")
    .action((options: { json?: boolean }) => {
      const rows = Object.entries(loadConfig().agents).map(([alias, agent]) => {
        const running = runningConnector(alias);
        const state = running?.state;
        return {
          alias,
          id: agent.id,
          name: agent.name,
          type: agent.type,
          project: agent.project,
          pid: running?.pid ?? null,
          connected: state?.connected ?? false,
          active_requests: state?.active_requests ?? 0,
          uptime_s: state ? Math.round((Date.now() - Date.parse(state.started_at)) / 1000) : null,
          status: running ? (state?.last_status ?? "starting") : "stopped",
        };
      });
      if (options.json) return printJson(rows);
      printTable(
        ["AGENT", "TYPE", "PID", "CONNECTED", "ACTIVE", "UPTIME", "PROJECT"],
        rows.map((r) => [
          r.alias,
          r.type,
          r.pid ? String(r.pid) : "-",
          r.pid ? (r.connected ? "yes" : "no") : "-",
          String(r.active_requests),
          r.uptime_s === null ? "-" : formatDuration(r.uptime_s * 1000),
          r.project,
        ]),
        "No local agents: connect one with `agent-mesh connect <type> --agent <name>`.",
      );
    });
}
