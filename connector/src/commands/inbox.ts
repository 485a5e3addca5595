/**
 * `agent-mesh inbox [<agent>]`: an agent's durable inbox from the terminal, for a person rather than the agent's
 * model; without an agent, which of your agents have unread messages. Reading shows your agent's unacknowledged
 * messages without taking them (`peek`: no lease, so the agent's own session still gets every one); `--reply <id>`
 * answers an ask (the asker's waiting call returns it; the gateway acknowledges the ask with it, and a task's ask
 * completes the task); `--ack <id>...` removes messages for good; `--send "..."` leaves a message in any agent's
 * inbox you may call, as yourself or, with `--as`, as one of your agents.
 *
 * Messages and sender names are other people's text: printed for a person, their control characters are shown,
 * not obeyed (`printable`); `--json` prints them exactly.
 */
import type { Command } from "commander";
import type { InboxMessageView as InboxMessage } from "../../../gateway/src/domain/inbox.ts";
import { senderName } from "../../../gateway/src/domain/sender-name.ts";
import { agentRef, userContext } from "../cli/context.ts";
import { CliError } from "../cli/errors.ts";
import { type GatewayApi, segment } from "../cli/gateway-api.ts";
import { dim, printJson, printTable } from "../cli/output.ts";
import { messageText } from "../cli/stdin-text.ts";
import { printable, printableLine } from "../cli/terminal-text.ts";
import { listAgents } from "./agents/agent-view.ts";

interface Options {
  wait?: string;
  limit: string;
  reply?: string;
  message?: string;
  ack?: string[];
  send?: string;
  as?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("inbox")
    .description("read your agent's inbox; --reply answers an ask, --ack removes messages, --send leaves one")
    .argument("[agent]", "agent id, name or local alias (without: which of your agents have unread messages)")
    .option("--wait <seconds>", "wait up to this long (at most 30) for a message when there is none")
    .option("--limit <n>", "how many messages at most (1-100)", "20")
    .option("--reply <message-id>", "answer this ask with --message (or stdin)")
    .option("--message <text>", "with --reply: the answer (`-`: from stdin)")
    .option("--ack <message-id...>", "acknowledge these messages: they are gone for good")
    .option("--send <text>", "leave this message in the agent's inbox (`-`: from stdin)")
    .option("--as <agent>", "with --send: speak as this agent of yours")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  agent-mesh inbox                 # which of your agents have unread messages
  agent-mesh inbox dev --wait 30
  agent-mesh inbox dev --reply msg_01jx... --message "yes, main is green"
  agent-mesh inbox dev --ack msg_01jx... msg_01jy...
  agent-mesh inbox reviewer --send "the release is tagged" --as dev`,
    )
    .action(async (agent: string | undefined, options: Options) => {
      const { api, config } = userContext();
      const given = [options.reply, options.ack, options.send].filter((a) => a !== undefined);
      if (given.length > 1) throw new CliError("invalid_option", "give one of --reply, --ack and --send.");
      if (agent === undefined) {
        if (given.length > 0)
          throw new CliError("invalid_option", "name the agent whose inbox: agent-mesh inbox <agent> ...");
        return overview(api, options);
      }
      const ref = agentRef(config, agent);
      if (options.as !== undefined && options.send === undefined)
        throw new CliError("invalid_option", "--as goes with --send.");
      if (options.message !== undefined && options.reply === undefined)
        throw new CliError(
          "invalid_option",
          '--message goes with --reply (to leave a message: --send "...").',
        );
      const as = options.as === undefined ? undefined : agentRef(config, options.as);
      if (options.reply !== undefined) await reply(api, ref, options.reply, options);
      else if (options.ack !== undefined) await ack(api, ref, options.ack, options);
      else if (options.send !== undefined) await send(api, ref, options.send, as, options);
      else await read(api, ref, options);
    });
}

async function reply(api: GatewayApi, ref: string, id: string, options: Options): Promise<void> {
  const example = `echo yes | agent-mesh inbox ${ref} --reply ${id}`;
  const text = await messageText(options.message, "--message", example);
  const path = `/v1/agents/${segment(ref)}/inbox/${segment(id)}/reply`;
  const sent = await api.json<InboxMessage & { delivered?: boolean; reason?: string }>("POST", path, {
    body: { message: text },
  });
  if (options.json) printJson(sent);
  // Recorded, but nobody receives it: the asker stopped waiting and has no inbox (the gateway says who).
  else if (sent.delivered === false)
    process.stdout.write(
      `replied to ${id}, but ${printableLine(sent.reason ?? "nobody receives the reply; it was not delivered.")}\n`,
    );
  else
    process.stdout.write(
      `replied to ${id}${sent.task_id ? `: task ${sent.task_id} completed with it` : ""}\n`,
    );
}

async function ack(api: GatewayApi, ref: string, ids: string[], options: Options): Promise<void> {
  const path = `/v1/agents/${segment(ref)}/inbox/ack`;
  const acked = await api.json<{ acked: string[]; unknown: string[] }>("POST", path, { body: { ids } });
  if (options.json) return printJson(acked);
  process.stdout.write(`acknowledged ${acked.acked.length}\n`);
  // Acknowledged before, never there, or in another inbox: the gateway does not say which.
  if (acked.unknown.length > 0)
    process.stderr.write(`agent-mesh: not in ${ref}'s inbox: ${acked.unknown.join(", ")}\n`);
}

async function send(
  api: GatewayApi,
  ref: string,
  given: string,
  as: string | undefined,
  options: Options,
): Promise<void> {
  const text = await messageText(given, "--send", `git log -1 | agent-mesh inbox ${ref} --send -`);
  const headers: Record<string, string> = as ? { "x-agent-mesh-as": as } : {};
  const path = `/v1/agents/${segment(ref)}/inbox`;
  const sent = await api.json<InboxMessage>("POST", path, { body: { message: text }, headers });
  if (options.json) printJson(sent);
  else process.stdout.write(`${sent.id}\n`);
}

async function read(api: GatewayApi, ref: string, options: Options): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw new CliError("invalid_option", "--limit must be a whole number from 1 to 100.");
  const wait = options.wait === undefined ? 0 : Number(options.wait);
  if (!Number.isInteger(wait) || wait < 0 || wait > 30)
    throw new CliError("invalid_option", "--wait must be a whole number of seconds from 0 to 30.");
  // A look, not a fetch: the agent's own session still gets every message, and none counts as delivered.
  const query = new URLSearchParams({ limit: String(limit), wait: String(wait), peek: "true" });
  const page = await api.get<{ messages: InboxMessage[]; unread: number }>(
    `/v1/agents/${segment(ref)}/inbox?${query}`,
  );
  if (options.json) return printJson(page);
  if (page.messages.length === 0) {
    process.stdout.write(`${ref}'s inbox is empty.\n`);
    return;
  }
  for (const message of page.messages) process.stdout.write(`${describe(message)}\n\n`);
  const more = page.unread - page.messages.length;
  const hint = `Answer an ask: agent-mesh inbox ${ref} --reply <id> --message "..."; done with them: agent-mesh inbox ${ref} --ack <id>...`;
  process.stdout.write(`${dim(`${more > 0 ? `${more} more unread (--limit). ` : ""}${hint}`)}\n`);
}

/** How many agents' inboxes are looked at at once by `overview`. */
const LOOKS_AT_ONCE = 8;

/** Which of your agents have unread messages: how many, and the oldest (one look at each inbox). */
async function overview(api: GatewayApi, options: Options): Promise<void> {
  const me = await api.get<{ user: string }>("/v1/me");
  const mine = (await listAgents(api, new URLSearchParams({ mine: "true" }))).filter(
    (a) => a.owner === me.user,
  );
  const looks: { agent: string; unread: number; oldest: InboxMessage | null }[] = [];
  for (let i = 0; i < mine.length; i += LOOKS_AT_ONCE) {
    const batch = mine.slice(i, i + LOOKS_AT_ONCE).map(async (agent) => {
      const path = `/v1/agents/${segment(agent.id)}/inbox?limit=1&peek=true`;
      const page = await api.get<{ messages: InboxMessage[]; unread: number }>(path);
      return { agent: agent.name, unread: page.unread, oldest: page.messages[0] ?? null };
    });
    looks.push(...(await Promise.all(batch)));
  }
  const waiting = looks.filter((look) => look.unread > 0);
  if (options.json) return printJson(waiting);
  printTable(
    ["AGENT", "UNREAD", "OLDEST"],
    waiting.map((look) => [
      look.agent,
      String(look.unread),
      look.oldest
        ? `${look.oldest.kind} from ${printableLine(senderName(look.oldest.from))}, ${look.oldest.created_at}`
        : "-",
    ]),
    "No unread messages in your agents' inboxes.",
  );
}

/** One message as a person reads it: what and from whom, then its text, indented. */
function describe(message: InboxMessage): string {
  const sender = printableLine(senderName(message.from));
  // A task's ask: the reply is the task's result.
  const about = message.in_reply_to
    ? ` to ${message.in_reply_to}`
    : message.task_id
      ? ` for task ${message.task_id}`
      : "";
  const again = message.deliveries > 1 ? `, delivered ${message.deliveries} times` : "";
  const head = `${message.kind}${about} ${message.id} from ${sender}, ${message.created_at}${again}`;
  // Shown, not obeyed: `ESC [2K` with a carriage return would erase the indent and write a line of its own.
  const body = printable(message.text)
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
  return `${head}\n${body}`;
}
