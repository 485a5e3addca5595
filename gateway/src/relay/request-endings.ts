/**
 * How a request in flight ends: with the agent's `done` or `error`, canceled by its caller, timed out, orphaned by
 * its callers, or lost with its agent. The home decides when (a frame, a call, its sweep); this decides what follows:
 * the request leaves its slot, queued tasks take its place, the agent is told it may forget the turn, and a task
 * whose agent is gone for good goes back to the queue.
 */
import { storeMayTakeItLater } from "../errors.ts";
import { CloseCode, type DoneFrame, type ErrorFrame } from "../protocol/index.ts";
import type { AgentSlot } from "./agent-slot.ts";
import type { LocalHomeOptions } from "./home-options.ts";
import type { PendingRequest } from "./pending.ts";
import type { RecentEndings } from "./recent-endings.ts";
import { deliverQueuedTasks, type TaskDeliveryContext } from "./task-delivery.ts";

export class RequestEndings {
  readonly #options: LocalHomeOptions;
  readonly #delivery: TaskDeliveryContext;
  readonly #recent: RecentEndings;

  constructor(options: LocalHomeOptions, delivery: TaskDeliveryContext, recent: RecentEndings) {
    this.#options = options;
    this.#delivery = delivery;
    this.#recent = recent;
  }

  /** The agent's final frame: the caller gets it, after any attachments are stored for the caller. */
  done(slot: AgentSlot, frame: DoneFrame): void {
    const pending = slot.pending.get(frame.id);
    if (!pending) return;
    this.#finish(slot, pending);
    this.#ack(slot, pending);
    const finalize = this.#options.finalizeDone;
    if (!finalize || !frame.attachments?.length) return pending.done(frame);
    finalize(pending.call, frame).then(
      (final) => pending.done(final),
      (error) => {
        this.#delivery.report(error, "attachments");
        pending.fail("attachments_failed", "The agent's files could not be stored.");
      },
    );
  }

  /** The agent gave up on the request. */
  error(slot: AgentSlot, frame: ErrorFrame): void {
    const pending = slot.pending.get(frame.id);
    if (!pending) return;
    this.#finish(slot, pending);
    this.#ack(slot, pending);
    pending.fail(frame.code, frame.message);
  }

  /** A caller (or the task's owner) stopped it: the agent is told to stop too. */
  cancel(slot: AgentSlot, pending: PendingRequest): void {
    this.#finish(slot, pending);
    pending.fail("canceled", "The request was canceled.");
    slot.link?.send({ type: "cancel", id: pending.call.requestId });
  }

  /** The agent is gone for good for this request (grace over, agent restarted, revoked): a task waits again. */
  expire(slot: AgentSlot, pending: PendingRequest, why: string): void {
    slot.untrack(pending.call.requestId);
    if (pending.isTask) {
      this.#options.tasks.requeue(pending).catch((error) => this.#delivery.report(error, "requeue"));
      pending.abandon();
    } else {
      pending.fail("agent_offline", `Agent ${pending.call.agentName} went offline: ${why}.`);
    }
  }

  /** The sweep's check of one request's deadlines. */
  sweep(slot: AgentSlot, pending: PendingRequest, now: number): void {
    const { config } = this.#options;
    switch (pending.due(now, config.keepaliveMs)) {
      case "grace":
        return this.expire(slot, pending, `it did not reconnect within ${config.graceMs} ms`);
      case "timeout":
        slot.untrack(pending.call.requestId);
        if (pending.isTask) slot.markEnded(pending.call.requestId);
        slot.link?.send({ type: "cancel", id: pending.call.requestId, reason: "timeout" });
        pending.fail(pending.isTask ? "task_timeout" : "agent_timeout", "The agent took too long to answer.");
        return;
      case "orphaned":
        this.#finish(slot, pending);
        slot.link?.send({ type: "cancel", id: pending.call.requestId });
        pending.fail("canceled", "Every caller left and none came back within the resume window.");
        return;
      case "keepalive":
        pending.keepalive(now);
        return;
    }
  }

  /**
   * Tells the agent it may forget a request whose final frame arrived: at once for a live call, once its outcome
   * is saved for a task (until then the connector holds it, so wherever it reconnects the turn is re-attached and
   * its ending replayed, never listed as still working and sent again).
   */
  #ack(slot: AgentSlot, pending: PendingRequest): void {
    const id = pending.call.requestId;
    if (!pending.outcomeStored) return slot.link?.ack(id);
    const link = slot.link;
    pending.outcomeStored.then(
      () => slot.link?.ack(id),
      // Not saved: the agent keeps the turn and replays its ending where it reconnects. When the store refused it
      // for as long as the gateway waits and may take it later, the socket that sent it is asked to reconnect now.
      (error: unknown) => {
        if (link && slot.link === link && storeMayTakeItLater(error))
          link.close(
            CloseCode.retryLater,
            "reconnect: the gateway could not save a task's ending yet; send it again",
          );
      },
    );
  }

  /** Removes a request that ended and lets queued tasks take its place. */
  #finish(slot: AgentSlot, pending: PendingRequest): void {
    slot.untrack(pending.call.requestId);
    if (pending.isTask) slot.markEnded(pending.call.requestId);
    else this.#recent.keep(pending);
    if (slot.queue.length > 0) deliverQueuedTasks(slot, this.#delivery);
  }
}
