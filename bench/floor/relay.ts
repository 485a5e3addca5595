/**
 * The floor's whole job, shared by the three floor servers: hand an HTTP caller's message to the one connected
 * agent and pass its chunks and final answer back. No auth, no storage, no validation, no timers. It speaks the
 * gateway's frame shapes (parsed once, never validated) so the same agent process drives the floor and the gateway.
 */

/** Where one call's output goes: SSE text for streams, the final result for JSON calls. */
export interface FloorSink {
  chunk(sseEvent: string): void;
  done(result: string): void;
}

export interface AgentSocket {
  send(text: string): void;
}

/** What a welcome must carry for the real protocol client to accept it. */
function welcome(heartbeatMs: number): string {
  return JSON.stringify({
    type: "welcome",
    protocol: 1,
    agent: { id: "floor", name: "floor" },
    heartbeat_ms: heartbeatMs,
    grace_ms: 2 * heartbeatMs,
    max_frame_bytes: 4 * 1024 * 1024,
    resume: [],
    drop: [],
  });
}
const PONG = JSON.stringify({ type: "pong" });
const CLIENT_ID = "0123456789abcdef";

/**
 * `heartbeatMs`: how often agents are asked to ping (the gateway's default; the emulated guest of bench/guest.ts
 * asks for less, as it does of the gateway).
 */
export function createFloorRelay({ heartbeatMs = 15_000 } = {}) {
  const WELCOME = welcome(heartbeatMs);
  let agent: AgentSocket | null = null;
  let nextId = 0;
  const calls = new Map<string, FloorSink>();

  return {
    /** Relays one message; returns false when no agent is connected. */
    call(message: string, sink: FloorSink): boolean {
      if (!agent) return false;
      const id = `f${nextId++}`;
      calls.set(id, sink);
      agent.send(JSON.stringify({ type: "request", id, session_id: "floor", client_id: CLIENT_ID, message }));
      return true;
    },
    agentMessage(socket: AgentSocket, text: string): void {
      const frame = JSON.parse(text);
      switch (frame.type) {
        case "chunk":
          calls
            .get(frame.id)
            ?.chunk(
              `event: chunk\ndata: ${JSON.stringify({ seq: frame.seq, delta: frame.delta, kind: frame.kind ?? "text" })}\n\n`,
            );
          return;
        case "done": {
          const sink = calls.get(frame.id);
          calls.delete(frame.id);
          // No acks: a minimal relay promises nothing across reconnects (the agent just keeps its frames).
          sink?.done(frame.result);
          return;
        }
        case "ping":
          socket.send(PONG);
          return;
        case "hello":
          agent = socket;
          socket.send(WELCOME);
          return;
      }
    },
    agentClosed(socket: AgentSocket): void {
      if (agent === socket) agent = null;
    },
  };
}

/** The final SSE event of a stream. */
export function doneEvent(result: string): string {
  return `event: done\ndata: ${JSON.stringify({ result, session_id: "floor", attachments: [] })}\n\n`;
}

/** The JSON body of a sync answer. */
export function doneJson(result: string): string {
  return JSON.stringify({ result, session_id: "floor", attachments: [] });
}

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};
export const JSON_HEADERS = { "content-type": "application/json" };
