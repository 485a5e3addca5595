/**
 * `agent-mesh agents share <ref>` / `shares <ref>` / `unshare <id>`: share links (docs/protocols.md, "Share
 * links"), a URL that calls one agent and nothing else, for people, AI chats and MCP clients that cannot send
 * headers. `share` prints the URL alone on stdout (`URL=$(agent-mesh agents share reviewer)`): it holds the secret
 * and the gateway shows it only this once.
 */
import type { Command } from "commander";
import { agentRef, userContext } from "../../cli/context.ts";
import { CliError } from "../../cli/errors.ts";
import { segment } from "../../cli/gateway-api.ts";
import { printJson, printTable } from "../../cli/output.ts";
import { printableLine } from "../../cli/terminal-text.ts";

interface ShareView {
  id: string;
  agent_id: string;
  label: string;
  created_at: string;
  expires_at: string;
  revoked_at?: string;
  rate_limit?: number;
  sessions?: boolean;
  status: "active" | "expired" | "revoked";
  /** On revoking: whether it was revoked before. */
  already_revoked?: boolean;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `3600`, `90m`, `12h`, `7d` → seconds; the gateway checks the range (1 s to 90 days). */
function parseExpiresIn(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match)
    throw new CliError("invalid_option", `--expires-in takes seconds or 90m, 12h, 7d; got "${text}".`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || "s"]!;
}

export function register(agents: Command): void {
  agents
    .command("share <ref>")
    .description("make a share link that calls this agent (and nothing else); prints its URL once")
    .option("--label <text>", "what the link is for, shown when listing")
    .option("--expires-in <time>", "lifetime: seconds, or 90m, 12h, 7d (default 7d, at most 90d)")
    .option(
      "--rate-limit <n>",
      "requests per minute this link may take: at most the gateway's share limit (60 by default), which it lowers",
    )
    .option(
      "--sessions",
      "also reach the agent while a person's interactive session serves it (asked in its inbox)",
    )
    .option("--json", "print the link as JSON")
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh agents share reviewer --label "design chat" --expires-in 1d
  agent-mesh agents share desk --sessions                  # also reaches "agent-mesh claude --as desk"
  curl -s "$(agent-mesh agents share reviewer)"            # the link's guide, in Markdown`,
    )
    .action(
      async (
        ref: string,
        options: {
          label?: string;
          expiresIn?: string;
          rateLimit?: string;
          sessions?: boolean;
          json?: boolean;
        },
      ) => {
        const rateLimit = options.rateLimit === undefined ? undefined : Number(options.rateLimit);
        if (rateLimit !== undefined && !Number.isInteger(rateLimit))
          throw new CliError("invalid_option", "--rate-limit takes a whole number of requests per minute.");
        const { api, config } = userContext();
        const share = await api.json<ShareView & { url: string; agent_name: string }>(
          "POST",
          `/v1/agents/${segment(agentRef(config, ref))}/shares`,
          {
            body: {
              label: options.label,
              expires_in: options.expiresIn === undefined ? undefined : parseExpiresIn(options.expiresIn),
              rate_limit: rateLimit,
              sessions: options.sessions,
            },
          },
        );
        if (options.json) return printJson(share);
        process.stdout.write(`${share.url}\n`);
        process.stderr.write(
          `Anyone with this link can call ${share.agent_name} until ${share.expires_at}` +
            // The gateway refuses a link limit above its own, so the one stored is the one in force.
            `${share.rate_limit ? `, ${share.rate_limit} requests a minute` : ", within the gateway's rate limit for links"}` +
            `${share.sessions ? ", also while a person's session serves it (in its inbox)" : ""}. ` +
            `It is shown only now; revoke it with \`agent-mesh agents unshare ${share.id}\`.\n`,
        );
      },
    );

  agents
    .command("shares <ref>")
    .description("list an agent's share links (never their secrets)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh agents shares reviewer")
    .action(async (ref: string, options: { json?: boolean }) => {
      const { api, config } = userContext();
      const { shares } = await api.json<{ shares: ShareView[] }>(
        "GET",
        `/v1/agents/${segment(agentRef(config, ref))}/shares`,
      );
      if (options.json) return printJson(shares);
      printTable(
        ["ID", "STATUS", "EXPIRES", "RATE", "SESSIONS", "LABEL"],
        shares.map((s) => [
          s.id,
          s.status,
          s.expires_at,
          s.rate_limit ? `${s.rate_limit}/min` : "gateway's",
          s.sessions ? "yes" : "no",
          printableLine(s.label),
        ]),
        `No share links: make one with \`agent-mesh agents share ${ref}\`.`,
      );
    });

  agents
    .command("unshare <id>")
    .description("revoke a share link at once (its next request gets 410 share_revoked)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  agent-mesh agents unshare 3f9c2a7d41b05e68")
    .action(async (id: string, options: { json?: boolean }) => {
      const { api } = userContext();
      const share = await api.json<ShareView>("DELETE", `/v1/shares/${segment(id)}`);
      if (options.json) return printJson(share);
      process.stdout.write(
        share.already_revoked
          ? `Share link ${share.id} was already revoked (${share.revoked_at}).\n`
          : `Revoked share link ${share.id}.\n`,
      );
    });
}
