/** `agent-mesh status`: is the gateway reachable, who am I, and which local agents are connected. */

import type { Command } from "commander";
import { runningConnector } from "../background/process-state.ts";
import { errorText } from "../cli/errors.ts";
import { GatewayApi } from "../cli/gateway-api.ts";
import { formatDuration, printJson } from "../cli/output.ts";
import { configPath, gatewayUrl, loadConfig } from "../config.ts";

export function register(program: Command): void {
  program
    .command("status")
    .description("show the gateway, the logged-in user and the local agents")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh status --json")
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const url = gatewayUrl(config);
      const token = process.env.AGENT_MESH_TOKEN || config.token;
      const report = {
        config: configPath(),
        gateway: { url: url ?? null, reachable: false, error: null as string | null },
        user: null as string | null,
        scopes: [] as string[],
        agents: Object.entries(config.agents).map(([alias, agent]) => {
          const running = runningConnector(alias);
          return {
            alias,
            id: agent.id,
            name: agent.name,
            type: agent.type,
            project: agent.project,
            pid: running?.pid ?? null,
            connected: running?.state?.connected ?? false,
            active_requests: running?.state?.active_requests ?? 0,
            uptime_ms: running?.state ? Date.now() - Date.parse(running.state.started_at) : null,
          };
        }),
      };
      if (url) {
        try {
          await new GatewayApi(url).fetch("GET", "/health");
          report.gateway.reachable = true;
          if (token) {
            const me = await new GatewayApi(url, token).get<{ user: string; scopes: string[] }>("/v1/me");
            report.user = me.user;
            report.scopes = me.scopes;
          }
        } catch (error) {
          report.gateway.error = errorText(error);
        }
      }
      // Scripts read the answer from the exit status: 1 when the gateway cannot be reached or refuses the token,
      // with the report printed all the same. No gateway configured or no token is a state to show, not a failure.
      if (report.gateway.error !== null) process.exitCode = 1;
      if (options.json) return printJson(report);
      const lines = [`Config:  ${report.config}`];
      if (!url) lines.push("Gateway: not configured (run `agent-mesh login`)");
      else
        lines.push(
          `Gateway: ${url} (${report.gateway.reachable ? "reachable" : `unreachable: ${report.gateway.error}`})`,
        );
      if (report.user) lines.push(`User:    ${report.user} (${report.scopes.join(", ")})`);
      else if (report.gateway.reachable)
        lines.push(`User:    ${token ? `token refused: ${report.gateway.error}` : "not logged in"}`);
      lines.push(report.agents.length ? "Local agents:" : "Local agents: none (run `agent-mesh connect`)");
      for (const a of report.agents) {
        const state = a.pid
          ? `${a.connected ? "connected" : "not connected"}, pid ${a.pid}, ${a.active_requests} active, up ${formatDuration(a.uptime_ms ?? 0)}`
          : "not running";
        lines.push(`  ${a.alias} (${a.type}, ${a.project}): ${state}`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
