/**
 * A caller's answer to a permission prompt, routed in a cluster to the node that holds the agent. Across nodes it is
 * passed on without waiting for that node's verdict: a task's answer was checked against its record (`ofTask`), and
 * a live call's is checked here against its acknowledgement (its caller), its output log (the prompt was asked and
 * not withdrawn) and the answers kept (not answered already), as the node holding the call would.
 *
 * Every answer taken for a live call is also kept in Redis: the agent may resume it on another node (a reconnect
 * lands anywhere), which sends it again, as the node it was sent from does when the agent comes back there. A task
 * keeps its answers in its record (`TaskRecord.answers`), which whichever node takes it up reads.
 *
 * Apart from redis-hub.ts because, where the hub's other operations pass a command on for the agent's node to
 * decide, this one decides on that node's behalf and keeps the answer for a node that may resume the call later.
 * @module
 */
import type { PromptAnswer } from "../protocol/index.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";
import { type CallOwner, mayReach, type PromptAnswerOutcome } from "../relay/types.ts";
import type { AgentSide } from "./agent-side.ts";
import type { NodeInbox } from "./node-inbox.ts";
import type { ClusterPresence } from "./presence.ts";

export class AnswerRouting {
  readonly #local: LocalAgentHome;
  readonly #agentSide: AgentSide;
  readonly #presence: ClusterPresence;
  readonly #inbox: NodeInbox;
  readonly #nodeId: string;

  constructor(options: {
    local: LocalAgentHome;
    agentSide: AgentSide;
    presence: ClusterPresence;
    inbox: NodeInbox;
    nodeId: string;
  }) {
    this.#local = options.local;
    this.#agentSide = options.agentSide;
    this.#presence = options.presence;
    this.#inbox = options.inbox;
    this.#nodeId = options.nodeId;
  }

  /** `AgentHub.answer` for a cluster node: taken here when this node holds the call, else sent on. */
  async answer(
    agentId: string,
    requestId: string,
    who: CallOwner,
    answer: PromptAnswer,
    options: { ofTask?: boolean } = {},
  ): Promise<PromptAnswerOutcome> {
    const local = await this.#local.answer(agentId, requestId, who, answer);
    const command = { type: "answer", agentId, requestId, user: who.user, fromAgent: who.fromAgent, answer };
    if (local === "sent") {
      if (!options.ofTask) await this.#agentSide.answers.keep(requestId, answer);
      // Taken by this node's copy of a request whose agent is not here now: if it resumed the request on another
      // node, which may have read the kept answers before this one, that node is told too.
      if (!(await this.#local.isOnline([agentId])).get(agentId)) {
        const home = (await this.#presence.homes([agentId])).get(agentId);
        if (home && home.node !== this.#nodeId) await this.#inbox.send(home.node, command);
      }
    }
    if (local !== "not_found") return local;
    const home = (await this.#presence.homes([agentId])).get(agentId);
    if (home?.node === this.#nodeId) return "not_found";
    const ack = await this.#agentSide.readAck(requestId);
    const known = ack?.ok === true && ack.call.agentId === agentId;
    if (known) {
      if (!mayReach(who, ack.call)) return "not_found";
      if (!options.ofTask) {
        const verdict = await this.#agentSide.answers.verdict(requestId, answer.prompt_id);
        if (verdict !== "open") return verdict;
      }
    }
    // No node holds the agent (it is reconnecting): the answer waits for the node it resumes the request on.
    if (!home && !known) return "not_found";
    if (!options.ofTask) await this.#agentSide.answers.keep(requestId, answer);
    if (home) await this.#inbox.send(home.node, command);
    return "sent";
  }
}
