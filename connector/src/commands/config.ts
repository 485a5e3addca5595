/** `agent-mesh config`: show the config (secrets masked) or set the default request concurrency. */
import type { Command } from "commander";
import { CliError } from "../cli/errors.ts";
import { printJson } from "../cli/output.ts";
import { configPath, DEFAULT_MAX_CONCURRENT, loadConfig, maskSecret, updateConfig } from "../config.ts";

export function register(program: Command): void {
  program
    .command("config")
    .description("show the configuration or change settings")
    .option("--show", "print the configuration (tokens masked)")
    .option(
      "--max-concurrent <n>",
      "requests each connector runs at once (default 10; restart connectors to apply)",
    )
    .option("--json", "with --show: print JSON")
    .addHelpText("after", "\nExamples:\n  agent-mesh config --show\n  agent-mesh config --max-concurrent 4")
    .action((options: { show?: boolean; maxConcurrent?: string; json?: boolean }) => {
      if (options.maxConcurrent !== undefined) {
        const n = Number(options.maxConcurrent);
        if (!Number.isInteger(n) || n < 1)
          throw new CliError("invalid_option", "--max-concurrent must be a positive integer.");
        updateConfig((config) => {
          config.maxConcurrent = n;
        });
        process.stdout.write(
          `maxConcurrent = ${n} (running connectors pick it up on restart: agent-mesh restart --all).\n`,
        );
        if (!options.show) return;
      }
      const config = loadConfig();
      const shown = {
        path: configPath(),
        url: config.url ?? null,
        token: maskSecret(config.token) ?? null,
        maxConcurrent: config.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
        env: {
          AGENT_MESH_URL: process.env.AGENT_MESH_URL ?? null,
          AGENT_MESH_TOKEN: maskSecret(process.env.AGENT_MESH_TOKEN) ?? null,
        },
        agents: Object.fromEntries(
          Object.entries(config.agents).map(([alias, agent]) => [
            alias,
            { ...agent, token: maskSecret(agent.token) },
          ]),
        ),
      };
      if (options.json) return printJson(shown);
      const lines = [
        `path:           ${shown.path}`,
        `url:            ${shown.url ?? "-"}`,
        `token:          ${shown.token ?? "-"}`,
        `maxConcurrent:  ${shown.maxConcurrent}`,
      ];
      if (shown.env.AGENT_MESH_URL) lines.push(`AGENT_MESH_URL: ${shown.env.AGENT_MESH_URL} (overrides url)`);
      if (shown.env.AGENT_MESH_TOKEN)
        lines.push(`AGENT_MESH_TOKEN: ${shown.env.AGENT_MESH_TOKEN} (overrides token)`);
      lines.push("agents:");
      for (const [alias, a] of Object.entries(shown.agents)) {
        const command = a.command ? ` -- ${[a.command, ...(a.args ?? [])].join(" ")}` : "";
        lines.push(
          `  ${alias}: ${a.type} ${a.id} in ${a.project}${command}${a.token ? ` (credential ${a.token})` : ""}`,
        );
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}
