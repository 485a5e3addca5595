/**
 * Durable inboxes: messages and asks addressed to an agent, kept in the session store until the agent
 * acknowledges them (at least once: a fetched message is leased, and comes back when its lease runs out
 * unacknowledged). Every message carries a sender the gateway verified from the credential, never one the
 * caller wrote.
 *
 * Keys: `inbox:<agentId>:<ulid>` (one message), `inbox-unread:<agentId>` (a counter, so the size cap costs no
 * listing), `ask:<ulid>` (an ask waiting for its reply; the reply is written into it, so the asker's wait is one
 * key read), and on redis and upstash `inbox-index:<agentId>`, the messages' ulids (inbox-index.ts).
 *
 * @example
 * const sent = await inbox.send(to, sender, { text: "build is green" });
 * const { messages } = await inbox.fetch(to.id, { limit: 20, leaseSeconds: 60 });
 * await inbox.ack(to.id, messages.map((m) => m.id));
 */
import { ApiError } from "../errors.ts";
import type { SessionStore } from "../session-stores/types.ts";
import { extended } from "../util/extended.ts";
import { timeOrderedId } from "../util/ids.ts";
import type { AgentRecord } from "./agents.ts";
import { isShareUser } from "./caller.ts";
import { createInboxIndex } from "./inbox-index.ts";
import { checkInboxText } from "./inbox-text.ts";
import { senderName } from "./sender-name.ts";
import { assertStoreRoom } from "./store-room.ts";

/** Documented caps: one message, and how many unacknowledged messages an inbox holds. */
export const INBOX_LIMITS = {
  /** UTF-16 code units (JavaScript string length), not bytes: 65,536 `a`s, `é`s alike; an emoji counts 2. */
  messageChars: 64 * 1024,
  unread: 10_000,
  /** An unanswered ask is forgotten after this long. */
  askTtlSeconds: 24 * 3600,
  /** An interactive session counts as online this long after its last presence beat. */
  presenceTtlSeconds: 60,
};

/** Who sent a message: always set by the gateway from the credential. */
export interface Sender {
  user: string;
  /** Set when the sender acts as one of its agents (an agent credential, or `X-Agent-Mesh-As`). */
  agent_id?: string;
  agent_name?: string;
  /** A share link's holder (`share.<id>`): the link's label when the message was sent, if it has one. */
  label?: string;
}

export interface InboxMessage {
  id: string;
  kind: "message" | "ask" | "reply";
  to: { agent_id: string; agent_name: string };
  from: Sender;
  text: string;
  /** The ask or message this answers. */
  in_reply_to?: string;
  /** An ask that offers a task's queued turn to a person's session (the reply is the task's result), or its reply. */
  task_id?: string;
  created_at: string;
  /** How many times it was handed out; above 1 means redelivered after an expired lease. */
  deliveries: number;
  /** Epoch ms while leased to a fetch (the API shows it as an ISO time: `inboxMessageView`). */
  leased_until?: number;
}

/** A message as the HTTP API shows it: times as ISO strings, like every other time it answers with. */
export type InboxMessageView = Omit<InboxMessage, "leased_until"> & { leased_until?: string };

export function inboxMessageView(message: InboxMessage): InboxMessageView {
  const { leased_until, ...rest } = message;
  return leased_until === undefined
    ? rest
    : extended(rest, { leased_until: new Date(leased_until).toISOString() });
}

/**
 * The refusal of an ask nobody answered in time. A late reply still reaches an asker that asked as one of its
 * agents (it lands in that agent's inbox); a person asking as themselves, or a share link's holder, has no inbox
 * to receive it, and is told the way that has one: as an agent of theirs, or (a link) a task, whose result the
 * reply is.
 */
export function askUnanswered(to: AgentRecord, ask: InboxMessage, seconds: number): ApiError {
  const late = ask.from.agent_name
    ? `its reply, if it comes, lands in ${ask.from.agent_name}'s inbox (ask ${ask.id}).`
    : isShareUser(ask.from.user)
      ? `the ask stays in its inbox (${ask.id}); to wait longer for the person, send the message with "async": true and read the task's result.`
      : `the ask stays in its inbox (${ask.id}); to receive a late reply, ask as one of your agents (X-Agent-Mesh-As: <agent>), whose inbox gets it.`;
  return new ApiError(504, "ask_timeout", `${to.name} did not reply within ${seconds} s; ${late}`);
}

interface AskRecord {
  id: string;
  from: Sender;
  to_agent_id: string;
  task_id?: string;
  reply?: InboxMessage;
  /** Set when the asker's wait ended without a reply (timeout, or the caller left). */
  gave_up?: boolean;
}

/**
 * A reply as its writer is told about it: `delivered: false` (with `reason`) when nobody can receive it, an ask
 * whose asker stopped waiting and has no inbox (a person's token, a share link).
 */
export type ReplyOutcome = InboxMessage & { delivered: boolean; reason?: string };

export interface InboxHooks {
  /**
   * Saves a reply to a task's ask as the task's result, before the reply is written; throws (409 `task_taken`)
   * when the task no longer waits for it.
   */
  answerTask(taskId: string, askId: string, text: string): Promise<unknown>;
}

const MESSAGE_ID = /^msg_([0-9a-z]{26})$/;

/** A new message id, for an ask whose id must be known before it is sent (a task marked with it first). */
export function newAskId(): string {
  return `msg_${timeOrderedId()}`;
}

export function createInboxService(store: SessionStore, hooks?: InboxHooks) {
  const index = createInboxIndex(store);
  const keyOf = (agentId: string, id: string) => {
    const match = MESSAGE_ID.exec(id);
    return match ? `inbox:${agentId}:${match[1]}` : null;
  };

  async function send(
    to: AgentRecord,
    from: Sender,
    input: {
      text: string;
      kind?: "message" | "ask";
      inReplyTo?: string;
      /** The task whose turn this ask offers, and the ask's id, chosen beforehand (`newAskId`) to mark the task. */
      task?: { id: string; askId: string };
    },
  ): Promise<InboxMessage> {
    // A task's ask carries the task's message, which passed the task's own checks when it was accepted.
    if (!input.task) checkInboxText(input.text, INBOX_LIMITS.messageChars);
    assertStoreRoom(store);
    const unread = await store.increment(`inbox-unread:${to.id}`);
    if (unread > INBOX_LIMITS.unread) {
      await store.increment(`inbox-unread:${to.id}`, -1);
      throw new ApiError(
        429,
        "inbox_full",
        `Agent ${to.name}'s inbox holds ${INBOX_LIMITS.unread} unread messages; wait until it reads them.`,
      );
    }
    const ulid = input.task ? input.task.askId.slice(4) : timeOrderedId();
    const message: InboxMessage = {
      id: `msg_${ulid}`,
      kind: input.task ? "ask" : (input.kind ?? "message"),
      to: { agent_id: to.id, agent_name: to.name },
      from,
      text: input.text,
      in_reply_to: input.inReplyTo,
      task_id: input.task?.id,
      created_at: new Date().toISOString(),
      deliveries: 0,
    };
    if (message.kind === "ask") {
      const ask: AskRecord = { id: message.id, from, to_agent_id: to.id, task_id: message.task_id };
      await store.set(`ask:${ulid}`, ask, { ttl: INBOX_LIMITS.askTtlSeconds });
    }
    await index.add(to.id, ulid);
    await store.set(`inbox:${to.id}:${ulid}`, message);
    return message;
  }

  async function deliver(agentId: string, message: InboxMessage): Promise<void> {
    const ulid = message.id.slice(4);
    await store.increment(`inbox-unread:${agentId}`);
    await index.add(agentId, ulid);
    await store.set(`inbox:${agentId}:${ulid}`, message);
  }

  /**
   * Hands out up to `limit` unacknowledged messages, oldest first, skipping those leased to an earlier fetch;
   * each is leased for `leaseSeconds` (redelivered after that unless acknowledged). Each lease is one
   * compare-and-set step on the message as stored, so a message acknowledged meanwhile is not written back, and
   * of two fetches at once only one leases a message. With `leaseSeconds: 0` it only looks: every unacknowledged
   * message, leased or not, as it is (an owner reading the inbox must not take messages from the agent's reader).
   */
  async function fetch(
    agentId: string,
    options: { limit: number; leaseSeconds: number },
  ): Promise<{ messages: InboxMessage[]; unread: number }> {
    const now = Date.now();
    const leasedUntil = now + options.leaseSeconds * 1000;
    const leasable = (message: InboxMessage | null): message is InboxMessage =>
      message !== null && (message.leased_until ?? 0) <= now;
    const out: InboxMessage[] = [];
    const take = async (ulids: string[]) => {
      const batch = ulids.map((ulid) => `inbox:${agentId}:${ulid}`);
      const records = await store.getMany<InboxMessage>(batch);
      await Promise.all(
        ulids.map((ulid, j) => (records[j] === null ? index.noMessage(agentId, ulid, now) : null)),
      );
      if (options.leaseSeconds === 0) {
        for (const record of records) if (record !== null && out.length < options.limit) out.push(record);
        return;
      }
      const candidates = batch
        .filter((_, j) => leasable(records[j] ?? null))
        .slice(0, options.limit - out.length);
      // The leases are written together: with a syncing store they share one commit.
      const leases = await Promise.all(
        candidates.map((key) =>
          store.update<InboxMessage>(key, (message) =>
            leasable(message)
              ? {
                  value: extended(message, { deliveries: message.deliveries + 1, leased_until: leasedUntil }),
                }
              : undefined,
          ),
        ),
      );
      for (const lease of leases) if (lease.changed && lease.value) out.push(lease.value);
    };
    let ulids: string[] = [];
    for await (const ulid of index.ulids(agentId)) {
      ulids.push(ulid);
      if (ulids.length < 32) continue;
      await take(ulids);
      ulids = [];
      if (out.length >= options.limit) break;
    }
    if (ulids.length > 0 && out.length < options.limit) await take(ulids);
    const unread = (await store.get<number>(`inbox-unread:${agentId}`)) ?? out.length;
    return { messages: out, unread: Math.max(unread, out.length) };
  }

  /**
   * Acknowledges messages of this inbox: they are deleted at once (an acknowledged message is never handed out
   * again). Unknown or already acknowledged ids are reported, not errors.
   */
  async function ack(agentId: string, ids: string[]): Promise<{ acked: string[]; unknown: string[] }> {
    // `take` is atomic: of two concurrent acks of one message exactly one counts it. All at once, so a syncing
    // store commits them together.
    const taken = await Promise.all(
      ids.map(async (id) => {
        const key = keyOf(agentId, id);
        return key ? store.take<InboxMessage>(key) : null;
      }),
    );
    await Promise.all(ids.map((id, i) => (taken[i] ? index.remove(agentId, id.slice(4)) : null)));
    const acked = ids.filter((_, i) => taken[i]);
    const unknown = ids.filter((_, i) => !taken[i]);
    if (acked.length > 0) await store.increment(`inbox-unread:${agentId}`, -acked.length);
    return { acked, unknown };
  }

  /**
   * Answers an ask addressed to `replier`, and acknowledges the ask: the asker's waiting `awaitReply` returns the
   * reply. If the asker is an agent the reply also lands in its inbox, so a reply that comes after the asker
   * stopped waiting is not lost; `awaitReply` acknowledges that copy when it hands the reply over itself.
   */
  async function reply(
    replier: AgentRecord,
    from: Sender,
    askId: string,
    text: string,
  ): Promise<ReplyOutcome> {
    checkInboxText(text, INBOX_LIMITS.messageChars);
    const match = MESSAGE_ID.exec(askId);
    const notFound = () =>
      new ApiError(404, "ask_not_found", `No ask ${askId} addressed to ${replier.name} is waiting.`);
    if (!match) throw notFound();
    const id = `msg_${timeOrderedId()}`;
    const createdAt = new Date().toISOString();
    const replyTo = (ask: AskRecord): InboxMessage => ({
      id,
      kind: "reply",
      to: { agent_id: ask.from.agent_id ?? "", agent_name: ask.from.agent_name ?? ask.from.user },
      from,
      text,
      in_reply_to: askId,
      // The task this reply completed, when the ask offered one.
      task_id: ask.task_id,
      created_at: createdAt,
      deliveries: 0,
    });
    const askKey = `ask:${match[1]}`;
    const asked = await store.get<AskRecord>(askKey);
    if (!asked) await refuseReplyToMessage(replier, askId);
    if (!asked || asked.to_agent_id !== replier.id) throw notFound();
    if (asked.reply) throw new ApiError(409, "already_replied", `Ask ${askId} was already answered.`);
    if (asked.task_id) {
      // The task's result first: a reply the task refuses (its connector took it) is not written, and the ask,
      // answered by the task's end, leaves the inbox.
      if (!hooks)
        throw new Error("[gateway] an inbox service without task hooks got a reply to a task's ask");
      try {
        await hooks.answerTask(asked.task_id, askId, text);
      } catch (error) {
        if (error instanceof ApiError && error.code === "task_taken") await ack(replier.id, [askId]);
        throw error;
      }
    }
    // One compare-and-set step: of two replies at once exactly one is written, the other is told 409.
    const { value: ask, changed } = await store.update<AskRecord>(askKey, (current) =>
      current === null || current.to_agent_id !== replier.id || current.reply
        ? undefined
        : { value: { ...current, reply: replyTo(current) }, ttl: INBOX_LIMITS.askTtlSeconds },
    );
    if (!ask || ask.to_agent_id !== replier.id) throw notFound();
    if (!changed || !ask.reply)
      throw new ApiError(409, "already_replied", `Ask ${askId} was already answered.`);
    if (ask.from.agent_id) await deliver(ask.from.agent_id, ask.reply);
    // Answered is handled: the ask leaves the replier's inbox with its reply (handed out again, it could only be
    // refused as already_replied).
    await ack(replier.id, [askId]);
    // Nobody receives it: the asker's wait ended, and a person's token or a share link has no inbox to hold it.
    if (ask.gave_up && !ask.from.agent_id && !ask.task_id) {
      const reason = `the asker (${senderName(ask.from)}) stopped waiting and has no inbox; your reply was not delivered.`;
      return extended(ask.reply, { delivered: false, reason });
    }
    return extended(ask.reply, { delivered: true });
  }

  /** A reply to a plain message of this inbox (not an ask) is told so, rather than "no ask is waiting". */
  async function refuseReplyToMessage(replier: AgentRecord, id: string): Promise<void> {
    const key = keyOf(replier.id, id);
    const message = key ? await store.get<InboxMessage>(key) : null;
    if (message && message.kind !== "ask")
      throw new ApiError(
        404,
        "ask_not_found",
        `${id} is a ${message.kind}, not an ask; only asks take a reply. Send ${senderName(message.from)} a message instead.`,
      );
  }

  /** Which of these messages of the agent's inbox are still unacknowledged (the others were, or were never sent). */
  async function unacknowledged(agentId: string, ids: string[]): Promise<Set<string>> {
    const messages = await store.getMany<InboxMessage>(ids.map((id) => `inbox:${agentId}:${id.slice(4)}`));
    return new Set(ids.filter((_, i) => messages[i] !== null));
  }

  /** Whether the inbox takes another message now (`inbox_full` otherwise). */
  async function hasRoom(agentId: string): Promise<boolean> {
    return ((await store.get<number>(`inbox-unread:${agentId}`)) ?? 0) < INBOX_LIMITS.unread;
  }

  /** Waits for the reply to an ask (polling its one key), or null at the deadline. */
  async function awaitReply(
    askId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<InboxMessage | null> {
    const match = MESSAGE_ID.exec(askId);
    if (!match) return null;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !signal?.aborted) {
      const ask = await store.get<AskRecord>(`ask:${match[1]}`);
      if (ask?.reply) {
        if (ask.from.agent_id) await ack(ask.from.agent_id, [ask.reply.id]);
        return ask.reply;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(1, deadline - Date.now()))));
    }
    // The wait is over: marked, so a later reply is told nobody received it. One compare-and-set step with the
    // reply's, so a reply written meanwhile is handed over here instead.
    const { value: ended } = await store.update<AskRecord>(`ask:${match[1]}`, (current) =>
      current === null || current.reply
        ? undefined
        : { value: extended(current, { gave_up: true }), ttl: INBOX_LIMITS.askTtlSeconds },
    );
    if (ended?.reply) {
      if (ended.from.agent_id) await ack(ended.from.agent_id, [ended.reply.id]);
      return ended.reply;
    }
    return null;
  }

  /**
   * Leaves an ask in `to`'s inbox and waits for its reply (null at the deadline, or once `signal` aborts): how a
   * person's session is asked, whichever door the asker came through (`/asks`, `/v1` messages, MCP `ask_agent`).
   */
  async function ask(
    to: AgentRecord,
    from: Sender,
    text: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ ask: InboxMessage; reply: InboxMessage | null }> {
    const sent = await send(to, from, { text, kind: "ask" });
    return { ask: sent, reply: await awaitReply(sent.id, timeoutMs, signal) };
  }

  /**
   * Marks the agent online as an interactive session (a person's `agent-mesh claude --as`): asks and messages
   * to it go to its inbox. The session beats well within the TTL; a session that dies drops off by itself.
   */
  async function markPresent(agentId: string): Promise<void> {
    await store.set(`inbox-present:${agentId}`, Date.now(), { ttl: INBOX_LIMITS.presenceTtlSeconds });
  }

  async function leave(agentId: string): Promise<void> {
    await store.delete(`inbox-present:${agentId}`);
  }

  /** Which of these agents have an interactive session right now. */
  async function present(agentIds: string[]): Promise<Set<string>> {
    const beats = await store.getMany<number>(agentIds.map((id) => `inbox-present:${id}`));
    return new Set(agentIds.filter((_, i) => beats[i] !== null));
  }

  return { send, fetch, ack, reply, ask, awaitReply, unacknowledged, hasRoom, markPresent, leave, present };
}

export type InboxService = ReturnType<typeof createInboxService>;
