/** Everything the home knows about one agent: its live socket (if any), its in-flight requests, its task queue. */
import type { AgentConnection } from "./connection.ts";
import type { PendingRequest } from "./pending.ts";

/** Enough to cover every turn that can end while one backlog listing is in flight. */
const MAX_ENDED = 1024;
/** What `pending` shows before the slot's first request (never written: writes go through `track`). */
const NO_REQUESTS: ReadonlyMap<string, PendingRequest> = new Map();
/** What `queue` shows while no task waits. */
const NO_TASKS: readonly string[] = Object.freeze([]);

export class AgentSlot {
  readonly id: string;
  link: AgentConnection | null = null;
  /**
   * Requests in flight, by id. Created with the first one: a slot lives as long as its agent is connected, and
   * most of a big fleet sits idle, so an empty Map per agent would be memory for nothing.
   */
  #pending: Map<string, PendingRequest> | null = null;
  /**
   * Ids of queued tasks waiting for capacity, oldest first (loaded from the store when the agent connects). Null
   * while none waits, which is almost always: an empty array per connected agent would be memory for nothing.
   */
  #queue: string[] | null = null;
  /** A delivery loop is running (one at a time, so tasks go out in order). */
  delivering = false;
  /**
   * Task turns that ended here lately (bounded). A backlog listed from the store just before a turn's `done` still
   * shows it working until the outcome is saved; without this the turn would be sent to the agent a second time.
   */
  #ended: Set<string> | null = null; // created by the first task turn that ends: most agents never run one
  constructor(id: string) {
    this.id = id;
  }

  /** Requests in flight, by id (read-only: add with `track`, remove with `untrack`). */
  get pending(): ReadonlyMap<string, PendingRequest> {
    return this.#pending ?? NO_REQUESTS;
  }

  /** Queued task ids, oldest first (read-only: change it with the methods below). */
  get queue(): readonly string[] {
    return this.#queue ?? NO_TASKS;
  }

  /** Replaces the queue (an empty list leaves no array behind). */
  setQueue(taskIds: string[]): void {
    this.#queue = taskIds.length > 0 ? taskIds : null;
  }

  /** Queues a task at the end. */
  enqueue(taskId: string): void {
    if (this.#queue === null) this.#queue = [taskId];
    else this.#queue.push(taskId);
  }

  /** Puts a task back first in line (it could not be started yet). */
  requeueFirst(taskId: string): void {
    if (this.#queue === null) this.#queue = [taskId];
    else this.#queue.unshift(taskId);
  }

  /** Takes the oldest queued task. */
  takeQueued(): string | undefined {
    const queue = this.#queue;
    if (queue === null) return undefined;
    const taskId = queue.shift();
    if (queue.length === 0) this.#queue = null;
    return taskId;
  }

  /** Tracks a request as in flight (replacing one with the same id). */
  track(request: PendingRequest): void {
    this.#pending ??= new Map();
    this.#pending.set(request.call.requestId, request);
  }

  /** Stops tracking a request; returns whether it was tracked. */
  untrack(requestId: string): boolean {
    return this.#pending?.delete(requestId) ?? false;
  }

  /** The request is running here, or is a task turn that ended here lately: never start it again from the queue. */
  isBusyWith(requestId: string): boolean {
    return this.pending.has(requestId) || this.#ended?.has(requestId) === true;
  }

  /** Remembers a task turn that ended here (see `#ended`). */
  markEnded(requestId: string): void {
    this.#ended ??= new Set();
    const ended = this.#ended;
    ended.add(requestId);
    if (ended.size > MAX_ENDED) ended.delete(ended.values().next().value!);
  }

  /** Requests the agent may hold at once: the gateway's cap, or less if its connector asked for less. */
  capacity(maxInflightPerAgent: number): number {
    return Math.min(maxInflightPerAgent, this.link?.identity?.maxInflight ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Tracks a request as pending and sends it on the link, with any acks waiting to go out. `onSend` is told of it
   * (clusters log tasks' output for followers on other nodes); passed in, not kept per slot.
   */
  send(pending: PendingRequest, onSend?: (pending: PendingRequest) => void): void {
    const { call } = pending;
    this.track(pending);
    onSend?.(pending);
    this.link!.send({
      type: "request",
      id: call.requestId,
      session_id: call.sessionId,
      client_id: call.clientId,
      message: call.message,
      task: pending.isTask || undefined,
      chain: call.chain,
      acks: this.link!.takeAcks(),
    });
  }
}
