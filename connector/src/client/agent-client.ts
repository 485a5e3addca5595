/**
 * The agent side of the wire protocol: a reconnecting WebSocket client that authenticates in its first frame,
 * keeps a heartbeat, and never loses a request's output across a reconnect. Every frame it sends for a request
 * is numbered and kept until the gateway acknowledges the request; after a reconnect the gateway says which seq
 * it has and the client resends the rest, so the caller sees each chunk exactly once.
 *
 * @example
 * const client = new AgentClient({ url, token, agent: "upper", onRequest: (request, reply) => reply.done("hi") });
 * await client.start();
 */

import * as v from "valibot";
import WebSocket from "ws";
import {
  type Attachment,
  type ChunkKind,
  GatewayFrame,
  isTerminalClose,
  LIVENESS_FACTOR,
  MIN_PROTOCOL_VERSION,
  type PermissionPrompt,
  PROMPT_WITHDRAWAL_SINCE_VERSION,
  PROTOCOL_VERSION,
  type PromptAnswer,
  type PromptWithdrawal,
  type RequestFrame,
  type WelcomeFrame,
} from "../../../gateway/src/protocol/index.ts";
import { type BackoffOptions, nextDelay } from "./backoff.ts";
import { readHandshakeRefusal } from "./handshake-refusal.ts";
import { ReplayTail } from "./replay-tail.ts";
import { TurnWriter } from "./turn-writer.ts";

/** How the agent answers one request. Calls after `done`/`error` (or after a cancel) are ignored. */
export interface RequestReply {
  chunk(delta: string, kind?: ChunkKind): void;
  done(result: string, options?: { attachments?: Attachment[]; inputRequired?: boolean }): void;
  error(code: string, message: string): void;
  /**
   * Asks the caller for permission (a `permission` chunk) and resolves with their answer. It never resolves on
   * its own: race it against your timeout (then treat silence as deny) and the signal.
   */
  ask(prompt: PermissionPrompt): Promise<PromptAnswer>;
  /**
   * Closes a prompt the agent decided by itself (no answer in time: denied): a later answer is dropped here, and a
   * gateway that speaks protocol 3 or later is told (a `permission` chunk with the withdrawal), so it stops showing
   * the prompt as open and refuses late answers. An older gateway is not sent it: it would show it as a prompt.
   */
  withdraw(withdrawal: Omit<PromptWithdrawal, "withdrawn" | "decision">): void;
  /** Aborted when the caller cancels, the gateway drops the request, or the client stops. */
  readonly signal: AbortSignal;
}

export type ClientStatus =
  | { type: "connecting"; attempt: number }
  | { type: "connected"; welcome: WelcomeFrame }
  | {
      type: "disconnected";
      code: number;
      reason: string;
      retryInMs: number;
      /** The gateway answered the upgrade with plain HTTP: `HTTP 503 node_full: <message>`, or `HTTP <status>`. */
      refusal?: string;
    }
  | { type: "stopped"; code: number; reason: string };

export interface AgentClientOptions {
  /** Gateway base URL (http, https, ws or wss). */
  url: string;
  /** User token (with `agent`) or agent credential. */
  token: string;
  agent?: string;
  /** Requests the connector accepts at once (running + queued); the gateway sends no more. */
  maxInflight?: number;
  onRequest(request: RequestFrame, reply: RequestReply): void;
  onStatus?(status: ClientStatus): void;
  /**
   * After a reconnect the gateway lacked frames this client no longer kept (replay-tail.ts): seqs `after + 1` to
   * `next - 1` of the request never reached it. The gateway tells the request's callers; this is the agent's side.
   */
  onOutputLost?(lost: OutputLost): void;
  backoff?: Partial<BackoffOptions>;
  client?: { name: string; version: string; adapter?: string };
}

/** Frames of a request that never reached the gateway: the seqs after `after` and before `next`. */
export interface OutputLost {
  id: string;
  after: number;
  next: number;
}

/** A request this client received and has not seen acknowledged yet. */
interface HeldRequest {
  id: string;
  seq: number;
  /** Its serialized frames, kept for replay until the gateway acks: the latest of them (replay-tail.ts). */
  frames: ReplayTail;
  finished: boolean;
  abort: AbortController;
  /** Permission prompts waiting for the caller's answer, by prompt id. */
  prompts: Map<string, (answer: PromptAnswer) => void>;
}

const PING = JSON.stringify({ type: "ping" });

export class AgentClient {
  readonly #options: AgentClientOptions;
  readonly #held = new Map<string, HeldRequest>();
  #socket: WebSocket | null = null;
  /** Request frames for `#socket`, written once per turn of the event loop. */
  #writer: TurnWriter | null = null;
  #welcomed = false;
  /** The protocol version the gateway chose in its last `welcome` (0 before the first). */
  #protocol = 0;
  #stopped = false;
  #attempt = 0;
  #lastFrameAt = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #firstWelcome: { resolve: (w: WelcomeFrame) => void; reject: (e: Error) => void } | undefined;

  constructor(options: AgentClientOptions) {
    this.#options = options;
  }

  /** Connects; resolves on the first welcome, rejects if the gateway refuses for good (auth, revoked…). */
  start(): Promise<WelcomeFrame> {
    this.#stopped = false;
    return new Promise((resolve, reject) => {
      this.#firstWelcome = { resolve, reject };
      this.#connect();
    });
  }

  /** Closes the socket and aborts every held request. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    for (const held of this.#held.values()) held.abort.abort();
    this.#held.clear();
    this.#writer?.flush(); // an answer given just before stopping still goes out, ahead of the close
    this.#socket?.close(1000, "connector stopping");
    this.#socket = null;
  }

  get connected(): boolean {
    return this.#welcomed;
  }

  /** Requests received and not yet acknowledged by the gateway. */
  get activeRequests(): number {
    let count = 0;
    for (const held of this.#held.values()) if (!held.finished) count++;
    return count;
  }

  /** Requests whose frames are still kept for replay (finished ones leave when the gateway acks them). */
  get heldRequests(): number {
    return this.#held.size;
  }

  /** Characters of frames kept for replay, over all held requests. */
  get heldChars(): number {
    let chars = 0;
    for (const held of this.#held.values()) chars += held.frames.chars;
    return chars;
  }

  /** Characters of frames the gateway cannot have yet: all while the link is down, else those not sent. */
  readonly #unsent = (): number =>
    this.#welcomed && this.#writer ? this.#writer.unsent : Number.POSITIVE_INFINITY;

  /** Characters of frames not sent yet (queued, or written and not yet taken by the kernel); Infinity while down. */
  get unsentChars(): number {
    return this.#unsent();
  }

  /** Drops the socket without telling anyone (tests use it to simulate a network blip). */
  dropConnection(): void {
    this.#socket?.terminate();
  }

  // --- internal ---

  #connect(): void {
    if (this.#stopped) return;
    this.#options.onStatus?.({ type: "connecting", attempt: this.#attempt });
    const url = new URL("/v1/connect", this.#options.url.replace(/^http/, "ws"));
    if (this.#options.agent) url.searchParams.set("agent", this.#options.agent);
    // A gateway that accepts the TCP connection but never answers the upgrade (a frozen node behind a load
    // balancer) must not hold the connector forever: give up and reconnect, likely to another node.
    const socket = new WebSocket(url, { maxPayload: 8 * 1024 * 1024, handshakeTimeout: 5000 });
    this.#socket = socket;
    this.#writer = new TurnWriter(socket);
    this.#welcomed = false;
    socket.on("open", () => this.#sendHello(socket));
    socket.on("message", (data, isBinary) => {
      if (socket !== this.#socket || isBinary) return;
      this.#lastFrameAt = Date.now();
      this.#onFrame(data.toString());
    });
    // Plain HTTP instead of the upgrade (a full node's 503 node_full, a proxy's 502): the close that follows says
    // so, and is retried like any other.
    let refusal: string | undefined;
    socket.on("unexpected-response", (_request, response) => {
      readHandshakeRefusal(response).then((text) => {
        refusal = text;
        socket.terminate();
      });
    });
    socket.on("close", (code, reason) => {
      if (socket === this.#socket) this.#onClose(code, reason.toString(), refusal);
    });
    socket.on("error", () => {
      // A failed connect or a reset: the close event that follows schedules the retry.
    });
  }

  #sendHello(socket: WebSocket): void {
    const inflight = [...this.#held.values()].map((held) => ({ id: held.id, seq: held.seq }));
    socket.send(
      JSON.stringify({
        type: "hello",
        protocol: { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
        token: this.#options.token,
        agent: this.#options.agent,
        max_inflight: this.#options.maxInflight,
        inflight,
        client: this.#options.client,
      }),
    );
  }

  #onFrame(text: string): void {
    let frame: GatewayFrame;
    try {
      frame = v.parse(GatewayFrame, JSON.parse(text));
    } catch {
      return; // A newer gateway may send frames this client does not know; ignoring them is safe.
    }
    switch (frame.type) {
      case "welcome":
        return this.#onWelcome(frame);
      case "request":
        return this.#onRequest(frame);
      case "cancel": {
        const held = this.#held.get(frame.id);
        if (held) {
          this.#held.delete(frame.id);
          held.finished = true;
          held.abort.abort();
        }
        return;
      }
      case "ack":
        for (const id of frame.ids) this.#held.delete(id);
        return;
      case "pong":
        return;
      case "input": {
        const { type: _type, id, ...answer } = frame;
        const waiter = this.#held.get(id)?.prompts.get(answer.prompt_id);
        if (!waiter) return; // Already answered, or timed out here.
        this.#held.get(id)!.prompts.delete(answer.prompt_id);
        waiter(answer);
        return;
      }
    }
  }

  #onWelcome(welcome: WelcomeFrame): void {
    this.#welcomed = true;
    this.#protocol = welcome.protocol;
    this.#attempt = 0;
    for (const id of welcome.drop) {
      this.#held.get(id)?.abort.abort();
      this.#held.delete(id);
    }
    for (const { id, seq } of welcome.resume) {
      const held = this.#held.get(id);
      if (!held) continue;
      const next = held.frames.firstSeq;
      if (seq + 1 < next) this.#options.onOutputLost?.({ id, after: seq, next });
      for (const frame of held.frames.after(seq)) this.#writer?.send(frame, id);
    }
    clearInterval(this.#heartbeat);
    this.#lastFrameAt = Date.now();
    this.#heartbeat = setInterval(() => {
      // A silent gateway (half-open TCP) is treated like a drop, so the reconnect logic takes over.
      if (Date.now() - this.#lastFrameAt > welcome.heartbeat_ms * LIVENESS_FACTOR) this.#socket?.terminate();
      else this.#socket?.send(PING);
    }, welcome.heartbeat_ms);
    this.#heartbeat.unref?.();
    this.#options.onStatus?.({ type: "connected", welcome });
    this.#firstWelcome?.resolve(welcome);
    this.#firstWelcome = undefined;
  }

  #onRequest(request: RequestFrame): void {
    for (const id of request.acks ?? []) this.#held.delete(id);
    if (this.#held.has(request.id)) return;
    const held: HeldRequest = {
      id: request.id,
      seq: 0,
      frames: new ReplayTail(this.#unsent),
      finished: false,
      abort: new AbortController(),
      prompts: new Map(),
    };
    this.#held.set(request.id, held);
    const emit = (frame: Record<string, unknown>) => {
      if (held.finished || this.#held.get(held.id) !== held) return;
      held.seq += 1;
      // Written onto the caller's fresh literal rather than spread into a new object: on Node 20 (V8 11.3) an object
      // spread followed by more properties is slow to build and to serialize, and survives young collections.
      frame.id = held.id;
      frame.seq = held.seq;
      const text = JSON.stringify(frame);
      held.frames.push(text);
      if (this.#welcomed) this.#writer?.send(text, held.id);
    };
    const reply: RequestReply = {
      chunk: (delta, kind = "text") => emit({ type: "chunk", delta, kind }),
      done: (result, options) => {
        emit({
          type: "done",
          result,
          attachments: options?.attachments,
          input_required: options?.inputRequired,
        });
        held.finished = true;
      },
      error: (code, message) => {
        emit({ type: "error", code, message: message.slice(0, 4096) });
        held.finished = true;
      },
      ask: (prompt) =>
        new Promise<PromptAnswer>((resolve) => {
          held.prompts.set(prompt.prompt_id, resolve);
          emit({ type: "chunk", kind: "permission", delta: JSON.stringify(prompt) });
        }),
      withdraw: ({ prompt_id, reason, message }) => {
        if (!held.prompts.delete(prompt_id)) return; // Answered (or withdrawn) already: nothing is open.
        if (this.#protocol < PROMPT_WITHDRAWAL_SINCE_VERSION) return;
        const withdrawal: PromptWithdrawal = {
          prompt_id,
          withdrawn: true,
          decision: "deny",
          reason,
          message,
        };
        emit({ type: "chunk", kind: "permission", delta: JSON.stringify(withdrawal) });
      },
      signal: held.abort.signal,
    };
    try {
      this.#options.onRequest(request, reply);
    } catch (error) {
      reply.error("agent_error", error instanceof Error ? error.message : String(error));
    }
  }

  #onClose(code: number, reason: string, refusal?: string): void {
    this.#welcomed = false;
    clearInterval(this.#heartbeat);
    if (this.#stopped) return;
    if (isTerminalClose(code)) {
      this.#stopped = true;
      for (const held of this.#held.values()) held.abort.abort();
      this.#held.clear();
      this.#options.onStatus?.({ type: "stopped", code, reason });
      this.#firstWelcome?.reject(new ConnectionRefused(code, reason));
      this.#firstWelcome = undefined;
      return;
    }
    const delay = nextDelay(this.#attempt++, this.#options.backoff);
    this.#options.onStatus?.({ type: "disconnected", code, reason, retryInMs: delay, refusal });
    this.#retry = setTimeout(() => this.#connect(), delay);
  }
}

/** The gateway closed with a "don't reconnect" code. */
export class ConnectionRefused extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string) {
    super(`gateway refused the connection (${code}): ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}
