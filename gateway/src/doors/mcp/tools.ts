/**
 * The mesh tools, once, for every MCP server we run (`{gateway}/mcp`, share links, a stdio `agent-mesh mcp`):
 * plain definitions over the abstract `Mesh` (mesh.ts). Names and argument shapes follow meshbot's, so skills
 * written for it keep working.
 *
 * Results are text a model reads directly (no `structuredContent`: Claude Code would then show the model only
 * that JSON): the agent's answer first, then a short block with the session id and attachment links.
 *
 * @example
 * for (const tool of MESH_TOOLS) server.registerTool(...)   // see server.ts, registerMeshTools
 */
import * as v from "valibot";
import type { Mesh } from "./mesh.ts";
import { agentLine, answerText, errorLine, inboxLines, sentText, taskText, text } from "./tool-text.ts";

export interface ToolText {
  content: Array<{ type: "text"; text: string }>;
  isError?: boolean;
}

export interface ToolContext {
  mesh: Mesh;
  /** Reports progress to the client (a no-op when it sent no progress token). */
  progress(message: string): void;
  /** How often a long call reports progress while the agent is silent (keep below 30 s for Claude Code). */
  progressEveryMs: number;
  signal?: AbortSignal;
}

export interface MeshToolDefinition<S extends v.ObjectSchema<v.ObjectEntries, undefined>> {
  name: string;
  title: string;
  description: string;
  input: S;
  annotations: {
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
    openWorldHint?: boolean;
  };
  run(args: v.InferOutput<S>, context: ToolContext): Promise<ToolText>;
}

const described = (description: string) => v.pipe(v.string(), v.minLength(1), v.description(description));
const AGENT = described("Agent name (as list_agents shows it) or id.");
const TASK_ID = described("Task id returned by send_message or broadcast.");

/** Agents list_agents names at most. */
const LIST_AGENTS_MAX = 200;
/** Agents one broadcast queues a task for at most. */
const BROADCAST_MAX = 1000;

const ListInput = v.object({
  query: v.optional(described("Only agents whose name or description contains this text (any case).")),
  capability: v.optional(described("Only agents with this capability tag.")),
});
const listAgents: MeshToolDefinition<typeof ListInput> = {
  name: "list_agents",
  title: "List agents",
  description:
    "List the agents on the mesh you may call: name, whether it is online now, capabilities and description. " +
    "Call this first to find who can help; then use ask_agent (wait for an answer) or send_message (queue work). " +
    `Shows at most ${LIST_AGENTS_MAX}, by name; query and capability narrow a large mesh.`,
  input: ListInput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ query, capability }, { mesh }) {
    // A model's context is no place for a whole fleet: the first ones, and how to find the rest.
    const { agents, more } = await mesh.listAgents({ text: query, capability }, LIST_AGENTS_MAX);
    const filtered = query !== undefined || capability !== undefined;
    if (agents.length === 0)
      return text(filtered ? "No agent you can call matches." : "No agents you can call.");
    const shown = agents.map(agentLine);
    if (more) {
      shown.push(
        `…and more, past ${agents[agents.length - 1]!.name} by name: narrow the list with query or capability; ` +
          "get_agent_status tells about any one by name.",
      );
    }
    return text(shown.join("\n"));
  },
};

const GetStatusInput = v.object({ name: AGENT });
const getAgentStatus: MeshToolDefinition<typeof GetStatusInput> = {
  name: "get_agent_status",
  title: "Get an agent's status",
  description:
    "Whether one agent is online (connected and able to answer now), with its capabilities and description.",
  input: GetStatusInput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ name }, { mesh }) {
    return text(agentLine(await mesh.agentStatus(name)).slice(2));
  },
};

const AskInput = v.object({
  to: AGENT,
  message: described("What to ask or tell the agent, self-contained: it does not see your conversation."),
  session_id: v.optional(
    described("Continue an earlier conversation with this agent: the session_id a previous answer gave."),
  ),
  timeout_seconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(3600),
      v.description("Give up after this many seconds (default 300, at most 3600)."),
    ),
  ),
});
const askAgent: MeshToolDefinition<typeof AskInput> = {
  name: "ask_agent",
  title: "Ask an agent and wait for the answer",
  description:
    "Send a message to another agent and wait for its reply (it may take minutes; progress is reported while " +
    "it works). Returns the agent's answer and a session_id: pass that session_id next time to continue the " +
    "same conversation. The agent must be online (see list_agents); for work that can wait, use send_message.",
  input: AskInput,
  annotations: { readOnlyHint: false, openWorldHint: true },
  async run({ to, message, session_id, timeout_seconds }, { mesh, progress, progressEveryMs, signal }) {
    let chunks = 0;
    let reports = 0;
    let lastReport = Date.now();
    // A quick answer goes back as one JSON body. A call that lasts gets its first progress after a second, which
    // turns the answer into an SSE stream (Claude Code drops plain JSON answers after about 60 s), then progress
    // at least every `progressEveryMs` while the agent is silent (Claude Code gives up after 300 s without).
    const firstReportMs = Math.min(1000, progressEveryMs);
    const heartbeat = setInterval(
      () => {
        if (Date.now() - lastReport < (reports === 0 ? firstReportMs : progressEveryMs)) return;
        lastReport = Date.now();
        reports += 1;
        progress(chunks > 0 ? `${to} is working (${chunks} updates so far)` : `${to} is working`);
      },
      Math.max(50, Math.floor(firstReportMs / 2)),
    );
    try {
      const answer = await mesh.ask(to, message, {
        sessionId: session_id,
        timeoutMs: (timeout_seconds ?? 300) * 1000,
        signal,
        onProgress(update) {
          chunks = update.chunks;
          if (Date.now() - lastReport < 1000) return;
          lastReport = Date.now();
          reports += 1;
          progress(update.latest ? `${to}: ${update.latest}` : `${to} is working (${chunks} updates so far)`);
        },
      });
      return answerText(answer);
    } finally {
      clearInterval(heartbeat);
    }
  },
};

const SendInput = v.object({
  to: AGENT,
  message: described("The work to hand over, self-contained: the agent does not see your conversation."),
});
const sendMessage: MeshToolDefinition<typeof SendInput> = {
  name: "send_message",
  title: "Queue a message for an agent",
  description:
    "Hand work to another agent without waiting: queues a durable task (delivered now, or when the agent " +
    "connects) and returns its task_id at once. Check on it later with get_task; stop it with cancel_task. " +
    "To a person's interactive session, when you act as an agent, it leaves a note in their inbox instead.",
  input: SendInput,
  annotations: { readOnlyHint: false, openWorldHint: true },
  async run({ to, message }, { mesh }) {
    return sentText(await mesh.send(to, message));
  },
};

const TaskInput = v.object({ task_id: TASK_ID });
const getTask: MeshToolDefinition<typeof TaskInput> = {
  name: "get_task",
  title: "Get a task's status and result",
  description:
    "Status of a task you started with send_message or broadcast (submitted, working, input-required, " +
    "completed, failed, canceled) and, once it ended, the agent's result.",
  input: TaskInput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run({ task_id }, { mesh }) {
    return taskText(await mesh.getTask(task_id));
  },
};

const cancelTask: MeshToolDefinition<typeof TaskInput> = {
  name: "cancel_task",
  title: "Cancel a task",
  description: "Stop a task you started that has not ended yet; the agent is told to stop.",
  input: TaskInput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async run({ task_id }, { mesh }) {
    return taskText(await mesh.cancelTask(task_id));
  },
};

const BroadcastInput = v.object({
  message: described("The message every matching agent gets, self-contained."),
  capability: v.optional(described("Only agents with this capability tag.")),
  exclude: v.optional(
    v.pipe(v.array(v.string()), v.maxLength(100), v.description("Agent names to leave out (e.g. yourself).")),
  ),
});
const broadcast: MeshToolDefinition<typeof BroadcastInput> = {
  name: "broadcast",
  title: "Send a message to every online agent",
  description:
    "Queue the same message as one task per online agent you may call (optionally only those with a " +
    "capability, minus the excluded names). Returns the task ids; read each answer with get_task.",
  input: BroadcastInput,
  annotations: { readOnlyHint: false, openWorldHint: true },
  async run({ message, capability, exclude }, { mesh }) {
    const skip = new Set((exclude ?? []).map((name) => name.toLowerCase()));
    const online = await mesh.listAgents({ online: true, capability }, BROADCAST_MAX + skip.size);
    const matched = online.agents.filter((agent) => !skip.has(agent.name.toLowerCase()));
    const targets = matched.slice(0, BROADCAST_MAX);
    const past = online.more || matched.length > BROADCAST_MAX;
    if (targets.length === 0) return text("No online agent matched; nothing was sent.");
    const lines = await Promise.all(
      targets.map(async (agent) => {
        try {
          const sent = await mesh.send(agent.name, message);
          return "task_id" in sent
            ? `- ${agent.name}: task_id ${sent.task_id}`
            : `- ${agent.name}: in its inbox (message_id ${sent.message_id})`;
        } catch (error) {
          return `- ${agent.name}: not sent (${errorLine(error)})`;
        }
      }),
    );
    const rest = past
      ? `\nMore online agents matched; a broadcast reaches the first ${BROADCAST_MAX} by name: narrow it with capability.`
      : "";
    return text(`Sent to ${targets.length} agent(s):\n${lines.join("\n")}${rest}`);
  },
};

const NO_INBOX =
  "You act as no agent, so you have no inbox: start the MCP server as one of your agents " +
  "(`agent-mesh mcp --as <agent>`, or the X-Agent-Mesh-As header).";

const CheckInput = v.object({
  limit: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(100),
      v.description("At most this many (default 20)."),
    ),
  ),
  lease_seconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(1),
      v.maxValue(3600),
      v.description("Messages you do not acknowledge within this many seconds come back (default 300)."),
    ),
  ),
});
const checkMessages: MeshToolDefinition<typeof CheckInput> = {
  name: "check_messages",
  title: "Read your inbox",
  description:
    "Read unacknowledged messages and asks that other agents and people sent you, oldest first, each with its " +
    "id, verified sender and time. Answer an ask with reply (an ask with a task is work queued for you: your " +
    "reply is the task's result); when you have handled messages, acknowledge them with ack_messages — " +
    "unacknowledged ones come back after lease_seconds, so nothing is lost.",
  input: CheckInput,
  annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
  async run({ limit, lease_seconds }, { mesh }) {
    if (!mesh.inbox) return { ...text(NO_INBOX), isError: true };
    const page = await mesh.inbox.check({ limit: limit ?? 20, leaseSeconds: lease_seconds ?? 300 });
    if (page.messages.length === 0) return text(`No new messages for ${mesh.inbox.agent}.`);
    const more =
      page.unread > page.messages.length ? `\n(${page.unread} unread in all; call again for more)` : "";
    return text(
      `${page.messages.length} message(s) for ${mesh.inbox.agent}:\n${inboxLines(page.messages)}${more}\n` +
        "Acknowledge handled ones with ack_messages {ids}.",
    );
  },
};

const AckInput = v.object({
  ids: v.pipe(
    v.array(v.pipe(v.string(), v.maxLength(64))),
    v.minLength(1),
    v.maxLength(100),
    v.description("Message ids from check_messages."),
  ),
});
const ackMessages: MeshToolDefinition<typeof AckInput> = {
  name: "ack_messages",
  title: "Acknowledge inbox messages",
  description: "Mark messages from check_messages as handled: they are removed and never delivered again.",
  input: AckInput,
  annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
  async run({ ids }, { mesh }) {
    if (!mesh.inbox) return { ...text(NO_INBOX), isError: true };
    const { acked, unknown } = await mesh.inbox.ack(ids);
    const lines = [`acknowledged: ${acked.length}`];
    if (unknown.length > 0) lines.push(`not found (already acknowledged?): ${unknown.join(", ")}`);
    return text(lines.join("\n"));
  },
};

const ReplyInput = v.object({
  to: AGENT,
  message_id: described("The id of the message or ask you answer (from check_messages)."),
  message: described("Your answer."),
});
const reply: MeshToolDefinition<typeof ReplyInput> = {
  name: "reply",
  title: "Reply to a message",
  description:
    "Answer a message or ask from your inbox. Replying to an ask completes the asker's waiting ask_agent (or, " +
    "for an ask with a task, the task); " +
    "other replies land in the sender's inbox. An ask you answer leaves your inbox with the reply; acknowledge a " +
    "plain message you replied to with ack_messages.",
  input: ReplyInput,
  annotations: { readOnlyHint: false, openWorldHint: true },
  async run({ to, message_id, message }, { mesh }) {
    if (!mesh.inbox) return { ...text(NO_INBOX), isError: true };
    const sent = await mesh.inbox.reply(to, message_id, message);
    const task = sent.task_id ? ` Task ${sent.task_id} is completed with your reply as its result.` : "";
    // Not an error: the reply is recorded and the ask is done; the model learns its answer reached no one.
    if (sent.undelivered)
      return text(`Replied (message_id ${sent.id}, in reply to ${message_id}), but ${sent.undelivered}`);
    return text(`Replied (message_id ${sent.id}, in reply to ${message_id}).${task}`);
  },
};

/** Every mesh tool, in the order clients list them. */
// biome-ignore lint/suspicious/noExplicitAny: a list of definitions with different input schemas.
export const MESH_TOOLS: MeshToolDefinition<any>[] = [
  listAgents,
  getAgentStatus,
  askAgent,
  sendMessage,
  getTask,
  cancelTask,
  broadcast,
  checkMessages,
  reply,
  ackMessages,
];
