/** `agent-mesh mcp [--as <agent>]`: the mesh tools for a local agent, over stdio (see mesh/stdio-bridge.ts). */
import type { Command } from "commander";
import { findLocalAgent, gatewaySettings, gatewayUrl, loadConfig } from "../config.ts";
import { VERSION } from "../version.ts";

export function register(program: Command): void {
  program
    .command("mcp")
    .description(
      "serve the mesh tools (list, ask and message agents; your inbox) to a local agent over stdio MCP",
    )
    .option("--as <agent>", "act as this agent of yours (the recipient sees it as the verified sender)")
    .option("--interactive", "keep the agent online as an interactive session while this runs")
    .addHelpText(
      "after",
      '\nExample (Claude Code):\n  claude mcp add mesh -- agent-mesh mcp --as dev\n  {"mcpServers":{"mesh":{"type":"stdio","command":"agent-mesh","args":["mcp","--as","dev"]}}}',
    )
    .action(async (options: { as?: string; interactive?: boolean }) => {
      const config = loadConfig();
      // An agent connected with a ticket has its own credential (it speaks as that agent); else the user's login.
      const local = options.as ? findLocalAgent(config, options.as)?.[1] : undefined;
      const { url, token } =
        local?.token && !process.env.AGENT_MESH_TOKEN
          ? { url: local.url ?? gatewayUrl(config) ?? "", token: local.token }
          : gatewaySettings(config);
      const { runStdioBridge } = await import("../mesh/stdio-bridge.ts");
      await runStdioBridge({
        gatewayUrl: url,
        token,
        as: options.as,
        interactive: options.interactive,
        chain: process.env.AGENT_MESH_CHAIN || undefined,
        version: VERSION,
        // stdout is the MCP channel: everything else goes to stderr.
        log: (line) => process.stderr.write(`agent-mesh mcp: ${line}\n`),
      });
    });
}
