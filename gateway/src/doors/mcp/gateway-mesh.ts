/**
 * The `Mesh` of one caller inside the gateway, over the call service: the same sessions, tasks, limits and
 * permissions as `/v1`. A share link's mesh holds exactly one agent.
 */
import type { AgentRecord } from "../../domain/agents.ts";
import type { Caller } from "../../domain/caller.ts";
import type { TaskRecord } from "../../domain/tasks.ts";
import { createSyncSink } from "../../relay/caller-sinks.ts";
import type { RelaySink } from "../../relay/types.ts";
import type { GatewayServices } from "../../services.ts";
import { type Mesh, type MeshAgent, MeshError, type MeshTask } from "./mesh.ts";

export interface GatewayMeshOptions {
  services: GatewayServices;
  caller: Caller;
  /** `https://host` the caller used, for absolute attachment URLs. */
  origin: string;
  /** Share links: the only agent this mesh reaches. */
  onlyAgent?: AgentRecord;
}

export function createGatewayMesh(options: GatewayMeshOptions): Mesh {
  const { services, caller, origin, onlyAgent } = options;
  const { calls, hub } = services;

  async function resolve(ref: string): Promise<AgentRecord> {
    if (!onlyAgent) return calls.resolveAgent(caller, ref);
    if (ref === onlyAgent.id || ref.toLowerCase() === onlyAgent.name.toLowerCase()) return onlyAgent;
    throw new MeshError("agent_not_found", `This link reaches only agent \`${onlyAgent.name}\`.`);
  }

  async function describe(agents: AgentRecord[]): Promise<MeshAgent[]> {
    const online = await hub.isOnline(agents.map((a) => a.id));
    return agents.map((agent) => ({
      name: agent.name,
      description: agent.description,
      capabilities: agent.capabilities,
      online: online.get(agent.id) ?? false,
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
    async listAgents() {
      const agents = onlyAgent ? [onlyAgent] : await services.agents.list(caller);
      return describe(agents.sort((a, b) => a.name.localeCompare(b.name)));
    },
    async agentStatus(name) {
      return (await describe([await resolve(name)]))[0]!;
    },
    async ask(to, message, { sessionId, timeoutMs, signal, onProgress }) {
      const agent = await resolve(to);
      const { sink: syncSink, outcome } = createSyncSink();
      let chunks = 0;
      const sink: RelaySink = {
        ...syncSink,
        chunk(_seq, kind, delta) {
          chunks += 1;
          const latest = kind === "text" || kind === "status" ? delta.trim().slice(-120) : undefined;
          onProgress?.({ chunks, latest: latest || undefined });
        },
      };
      const call = await calls.callLive(caller, agent, { message, sessionId, origin }, sink);
      const cancel = () => hub.cancel(agent.id, call.requestId).catch(() => {});
      signal?.addEventListener("abort", cancel, { once: true });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      });
      try {
        const result = await Promise.race([outcome, timeout]);
        if (!result) {
          cancel();
          throw new MeshError(
            "agent_timeout",
            `${agent.name} gave no answer within ${Math.round(timeoutMs / 1000)} s; the call was canceled. Use send_message for long work.`,
          );
        }
        if (!result.ok) throw new MeshError(result.code, result.message);
        return {
          agent: agent.name,
          text: result.frame.result,
          session_id: call.sessionId,
          attachments: result.frame.attachments ?? [],
        };
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", cancel);
      }
    },
    async send(to, message, sendOptions) {
      const agent = await resolve(to);
      return taskOf(
        await calls.startTask(caller, agent, { message, sessionId: sendOptions?.sessionId, origin }),
      );
    },
    async getTask(taskId) {
      return taskOf(await calls.getTask(caller, taskId));
    },
    async cancelTask(taskId) {
      return taskOf(await calls.cancelTask(caller, taskId));
    },
  };
}
