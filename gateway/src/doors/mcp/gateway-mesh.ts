/**
 * The `Mesh` of one caller inside the gateway, over the call service: the same sessions, tasks, limits and
 * permissions as `/v1`. A share link's mesh holds exactly one agent.
 */
import { agentFilter } from "../../domain/agent-filter.ts";
import type { AgentRecord } from "../../domain/agents.ts";
import { type Caller, isShareUser } from "../../domain/caller.ts";
import { askUnanswered, type InboxMessage, type Sender } from "../../domain/inbox.ts";
import { senderName } from "../../domain/sender-name.ts";
import type { TaskRecord } from "../../domain/tasks.ts";
import { PersonsSession } from "../../errors.ts";
import type { GatewayServices } from "../../services.ts";
import { extended } from "../../util/extended.ts";
import {
  type Mesh,
  type MeshAgent,
  type MeshAnswer,
  MeshError,
  type MeshInboxMessage,
  type MeshTask,
} from "./mesh.ts";

export interface GatewayMeshOptions {
  services: GatewayServices;
  caller: Caller;
  /** `https://host` the caller used, for absolute attachment URLs. */
  origin: string;
  /** Share links: the only agent this mesh reaches. */
  onlyAgent?: AgentRecord;
  /** Whether `ask_agent` asks a person's session in its inbox (default true; a share link only if made so). */
  reachesSessions?: boolean;
  /** Who the caller speaks as (an agent of theirs, from `X-Agent-Mesh-As` or an agent credential; a share link). */
  sender?: Sender;
  /** Agents whose requests led to this caller (`X-Agent-Mesh-Chain`). */
  chain?: string[];
}

export function createGatewayMesh(options: GatewayMeshOptions): Mesh {
  const { services, caller, origin, onlyAgent, chain } = options;
  const { calls, inbox } = services;
  const sender: Sender = options.sender ?? { user: caller.user };

  async function resolve(ref: string): Promise<AgentRecord> {
    if (!onlyAgent) return calls.resolveAgent(caller, ref);
    if (ref === onlyAgent.id || ref.toLowerCase() === onlyAgent.name.toLowerCase()) return onlyAgent;
    throw new MeshError("agent_not_found", `This link reaches only agent \`${onlyAgent.name}\`.`);
  }

  async function describe(agents: AgentRecord[]): Promise<MeshAgent[]> {
    const reach = await calls.reachability(agents.map((a) => a.id));
    return agents.map((agent) => ({
      name: agent.name,
      description: agent.description,
      capabilities: agent.capabilities,
      online: (reach.get(agent.id) ?? "offline") !== "offline",
      ...(onlyAgent ? {} : { owner: agent.owner }),
    }));
  }

  function taskOf(task: TaskRecord): MeshTask {
    return {
      task_id: task.id,
      agent: task.agent_name,
      status: task.status,
      session_id: task.session_id,
      result: task.result,
      error: task.error,
      attachments: task.attachments ?? [],
      created_at: task.created_at,
      updated_at: task.updated_at,
    };
  }

  return {
    async listAgents(filter, count) {
      if (onlyAgent) {
        const kept = await agentFilter(filter, calls).keep([onlyAgent]);
        return { agents: await describe(kept), more: false };
      }
      const { agents, more } = await services.agents.first(
        caller,
        { keep: agentFilter(filter, calls).keep },
        count,
      );
      return { agents: await describe(agents), more };
    },
    async agentStatus(name) {
      return (await describe([await resolve(name)]))[0]!;
    },
    async ask(to, message, { sessionId, timeoutMs, signal, onProgress }) {
      const agent = await resolve(to);
      let chunks = 0;
      let asked: Awaited<ReturnType<typeof calls.ask>>;
      try {
        asked = await calls.ask(caller, agent, {
          message,
          sessionId,
          origin,
          chain,
          timeoutMs,
          connection: signal && { signal },
          onChunk(_seq, kind, delta) {
            chunks += 1;
            const latest = kind === "text" || kind === "status" ? delta.trim().slice(-120) : undefined;
            onProgress?.({ chunks, latest: latest || undefined });
          },
        });
      } catch (error) {
        // A person's interactive session answers from its inbox (reply).
        if (!(error instanceof PersonsSession) || options.reachesSessions === false) throw error;
        return askInbox(agent, message, timeoutMs, signal);
      }
      const { call, answer } = asked;
      if (!answer.ok && answer.code === "agent_timeout") {
        throw new MeshError(
          "agent_timeout",
          `${agent.name} gave no answer within ${Math.round(timeoutMs / 1000)} s; the call was canceled. Use send_message for long work.`,
        );
      }
      if (!answer.ok) throw new MeshError(answer.code, answer.message);
      return {
        agent: agent.name,
        text: answer.frame.result,
        session_id: call.sessionId,
        attachments: answer.frame.attachments ?? [],
      };
    },
    async send(to, message, sendOptions) {
      const agent = await resolve(to);
      // To a person's session, a note in its inbox from a sender with an inbox of its own (an agent), where the
      // answer comes back. A sender without one (a person as themselves, a share link) queues a task instead,
      // which the session is offered and whose result `get_task` reads.
      if (sender.agent_id && (await calls.reachability([agent.id])).get(agent.id) === "interactive") {
        const sent = await inbox.send(agent, sender, { text: message });
        return { message_id: sent.id, agent: agent.name, delivered: "inbox" as const };
      }
      return taskOf(
        await calls.startTask(caller, agent, { message, sessionId: sendOptions?.sessionId, origin, chain }),
      );
    },
    async getTask(taskId) {
      return taskOf(await calls.getTask(caller, taskId));
    },
    async cancelTask(taskId) {
      return taskOf(await calls.cancelTask(caller, taskId));
    },
    inbox: ownInbox(),
  };

  async function askInbox(
    agent: AgentRecord,
    message: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<MeshAnswer> {
    const { ask, reply } = await inbox.ask(agent, sender, message, timeoutMs, signal);
    if (!reply)
      throw new MeshError("ask_timeout", askUnanswered(agent, ask, Math.round(timeoutMs / 1000)).message);
    return { agent: agent.name, text: reply.text, session_id: "", attachments: [] };
  }

  /** The acting agent's own inbox, if the caller acts as one of its agents. */
  function ownInbox(): Mesh["inbox"] {
    const selfId = sender.agent_id;
    if (!selfId || onlyAgent) return undefined;
    const self = async () => {
      const record = await services.agents.getById(selfId);
      if (!record) throw new MeshError("agent_not_found", "The agent you act as no longer exists.");
      return record;
    };
    return {
      agent: sender.agent_name ?? selfId,
      async check({ limit, leaseSeconds }) {
        await calls.offerTasksToSession(await self());
        const page = await inbox.fetch(selfId, { limit, leaseSeconds });
        return { messages: page.messages.map(inboxView), unread: page.unread };
      },
      ack: (ids) => inbox.ack(selfId, ids),
      async reply(to, messageId, text) {
        const me = await self();
        // An ask addressed to us: answer it (the asker's waiting call returns). Otherwise a plain reply message.
        try {
          const sent = await inbox.reply(me, sender, messageId, text);
          return sent.delivered ? inboxView(sent) : extended(inboxView(sent), { undelivered: sent.reason });
        } catch (error) {
          if ((error as { code?: string }).code !== "ask_not_found") throw error;
        }
        const target = await resolve(to);
        return inboxView(await inbox.send(target, sender, { text, inReplyTo: messageId }));
      },
    };
  }
}

function inboxView(message: InboxMessage): MeshInboxMessage {
  const { from } = message;
  return {
    id: message.id,
    kind: message.kind,
    // A model may not know what a share link is: it is told.
    from: isShareUser(from.user)
      ? `${senderName(from)}, someone holding a link to this agent`
      : senderName(from),
    from_agent: from.agent_name,
    text: message.text,
    in_reply_to: message.in_reply_to,
    task_id: message.task_id,
    created_at: message.created_at,
    deliveries: message.deliveries,
  };
}
