/**
 * One agent WebSocket as the gateway sees it: its protocol state and, once `hello` succeeded, whose it is.
 * The home owns the logic; this is the per-socket record (on Workers it is rebuilt from the socket attachment
 * after hibernation, so keep it plain data plus the socket).
 */

import { closeReason } from "./close-reason.ts";
import type { WireSocket } from "./types.ts";

export type ConnectionState = "awaiting_hello" | "authenticating" | "open" | "closed";

export interface ConnectionIdentity {
  agentId: string;
  agentName: string;
  tokenId: string;
  /** For agent credentials: the token whose ticket minted them. */
  parentTokenId?: string;
  protocol: number;
  maxInflight: number;
}

/** How much a socket may leave unread, and what then (the home closes it). */
export interface UnreadLimit {
  maxBytes: number;
  exceeded(connection: AgentConnection): void;
}

export class AgentConnection {
  readonly socket: WireSocket;
  readonly openedAt: number;
  /** Agent the upgrade request named (`?agent=`), if any; `hello` must agree with it. */
  readonly agentHint: string | undefined;
  state: ConnectionState = "awaiting_hello";
  identity: ConnectionIdentity | null = null;
  lastFrameAt: number;
  /** Requests whose final frame arrived and whose ack has not been sent yet (null until the first: most of a big
   * fleet of idle agents never gets a request, and an empty array per socket is memory for nothing). */
  pendingAcks: string[] | null = null;

  readonly #unread: UnreadLimit | undefined;

  constructor(socket: WireSocket, now: number, agentHint?: string, unread?: UnreadLimit) {
    this.socket = socket;
    this.openedAt = now;
    this.lastFrameAt = now;
    this.agentHint = agentHint;
    this.#unread = unread;
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  send(frame: object): void {
    if (this.state === "closed") return;
    try {
      this.socket.send(JSON.stringify(frame));
    } catch {
      // The socket died between our state check and the send; its close event does the cleanup.
      return;
    }
    const unread = this.socket.bufferedAmount;
    if (unread !== undefined && this.#unread && unread > this.#unread.maxBytes) {
      const limit = this.#unread;
      // After the caller's loop of sends, not inside it.
      queueMicrotask(() => limit.exceeded(this));
    }
  }

  /** Queues an ack; it leaves with the next request frame or the next `flushAcks`. */
  ack(id: string): void {
    if (this.pendingAcks === null) this.pendingAcks = [id];
    else this.pendingAcks.push(id);
  }

  /** Takes the queued acks (for a request frame), leaving none behind. */
  takeAcks(): string[] | undefined {
    const ids = this.pendingAcks;
    if (ids === null || ids.length === 0) return undefined;
    this.pendingAcks = null;
    return ids;
  }

  flushAcks(): void {
    const ids = this.takeAcks();
    if (ids) this.send({ type: "ack", ids });
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    try {
      this.socket.close(code, closeReason(reason));
    } catch {
      // Already closing: nothing left to tell the peer.
    }
  }
}
