/**
 * Durable tasks for an agent that is online only as a person's session (`agent-mesh claude --as`: its inbox read,
 * no connector): each queued turn is offered in the agent's inbox as an ask with `task_id`, and the person's reply
 * is the turn's result (`TaskRunner.answerFromInbox`, through the inbox service's task hook). Offers ride on the
 * session's own inbox reads and presence beats, never on the intake path.
 *
 * A task ends once, by the person or a connector: the offer marks it with the ask's id (`TaskRecord.inbox_ask`) in
 * one atomic step before sending the ask, a connector's start clears the mark, and the reply saves the result only
 * while the task is still queued with that very ask.
 * @module
 */
import type { AgentHub } from "../relay/types.ts";
import type { AgentRecord } from "./agents.ts";
import { type InboxService, newAskId, type Sender } from "./inbox.ts";
import type { TaskRecord, TaskService } from "./tasks.ts";

/**
 * A person's session is offered at most this many queued tasks at a time, the oldest (more as it answers them):
 * a person works through a few, and a read of an inbox whose agent has a large backlog stays cheap.
 */
const OFFERED_AT_ONCE = 20;

/**
 * What a person's session reads of a task's turn: its message, and for a later turn (a task its connector ran to
 * input-required, continued while only the session is online) the turns before it, which the person never saw.
 */
function askTextOf(task: TaskRecord): string {
  if (!task.history?.length) return task.message;
  const earlier = task.history.map((turn) => `${turn.role === "user" ? "caller" : "agent"}: ${turn.text}`);
  return `${task.message}\n\n(Earlier in this task:\n${earlier.join("\n")})`;
}

export function createSessionTaskOffers(deps: {
  tasks: TaskService;
  inbox: InboxService;
  hub: AgentHub;
  /** Who a task its owner queued is from in the inbox; null: it may not be offered (default: the owner, always). */
  senderOf?(owner: string): Promise<Sender | null>;
  onError(error: unknown, context: { stage: string }): void;
}) {
  const { tasks, inbox, hub } = deps;

  /** The tasks whose owners' messages may reach the session, each with its sender: each owner asked once. */
  async function offerable(submitted: TaskRecord[]): Promise<{ task: TaskRecord; from: Sender }[]> {
    const senderOf = deps.senderOf ?? (async (owner: string) => ({ user: owner }));
    const owners = [...new Set(submitted.map((task) => task.owner))];
    const senders = new Map(
      await Promise.all(owners.map(async (owner) => [owner, await senderOf(owner)] as const)),
    );
    return submitted.flatMap((task) => {
      const from = senders.get(task.owner);
      return from ? [{ task, from }] : [];
    });
  }

  /**
   * Offers the agent's queued tasks not offered yet (called when its session reads its inbox or beats its
   * presence). Nothing is offered while a connector serves the agent (it takes them), nor twice: each task is
   * marked and sent only by the step that marked it. A task whose ask left the inbox unanswered (acknowledged
   * without a reply, or never sent: the process stopped in between) is offered again, as a queued task ends only
   * by a reply, a connector or its caller. A task a share link's holder queued is offered only if the link was
   * made to reach sessions (and is still active), from its pseudo-user (`share.<id>`, with the link's label), who
   * reads the result through the link; else it waits for a connector. A full inbox gets the rest once it has room;
   * only the oldest `OFFERED_AT_ONCE` are looked at. Never throws: the inbox read it rides on must not fail for it.
   */
  async function offer(agent: AgentRecord): Promise<void> {
    try {
      const oldest = await tasks.unfinished(agent.id, OFFERED_AT_ONCE);
      const submitted = oldest.filter((task) => task.status === "submitted");
      if (submitted.length === 0) return; // nearly every read
      const queued = await offerable(submitted);
      if (queued.length === 0) return;
      const marks = queued.flatMap(({ task }) => (task.inbox_ask ? [task.inbox_ask] : []));
      const waiting = marks.length > 0 ? await inbox.unacknowledged(agent.id, marks) : new Set<string>();
      const unoffered = queued.filter(({ task }) => !task.inbox_ask || !waiting.has(task.inbox_ask));
      if (unoffered.length === 0) return; // all offered: a session waiting for its reply reads often
      if ((await hub.isOnline([agent.id])).get(agent.id)) return;
      for (const { task, from } of unoffered) {
        // Checked before the mark, so a full inbox costs no task write per read.
        if (!(await inbox.hasRoom(agent.id))) return;
        const marked = task.inbox_ask;
        const askId = newAskId();
        const { changed } = await tasks.update(task.id, (current) => {
          if (current.status !== "submitted" || current.inbox_ask !== marked) return null;
          current.inbox_ask = askId;
          return current;
        });
        if (!changed) continue; // started, ended or offered meanwhile
        await inbox.send(agent, from, { text: askTextOf(task), task: { id: task.id, askId } });
      }
    } catch (error) {
      deps.onError(error, { stage: "offer-tasks" });
    }
  }

  return { offer };
}
