/**
 * Routes of the test worker that read an endless NDJSON event stream with the hub's `pumpEvents` in one request
 * and stop it from another, as the unread budget does when a write to one caller's stream cuts another's.
 *
 * - `GET /pump?id=…`: starts the pump (the source writes a chunk event every few milliseconds) and answers with a
 *   body that ends once the pump has: `{ chunks, canceled }`, what reached the sink and whether the source was
 *   canceled.
 * - `POST /stop?id=…`: stops that pump, from this request.
 */
import { type EventPump, pumpEvents } from "../../runtimes/cloudflare/relay-wire.ts";

const pumps = new Map<string, EventPump>();
const encoder = new TextEncoder();
const CHUNK_EVENT = encoder.encode(
  `${JSON.stringify({ type: "chunk", seq: 1, kind: "text", delta: "x" })}\n`,
);

function startPump(id: string): Response {
  let canceled = false;
  const source = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      controller.enqueue(CHUNK_EVENT);
    },
    cancel() {
      canceled = true;
    },
  });
  let chunks = 0;
  const ignore = () => {};
  const pump = pumpEvents(source, { chunk: () => chunks++, done: ignore, error: ignore });
  pumps.set(id, pump);
  const summary = pump.done.then(() => {
    pumps.delete(id);
    return encoder.encode(JSON.stringify({ chunks, canceled }));
  });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      controller.enqueue(await summary);
      controller.close();
    },
  });
  return new Response(body);
}

export function eventPumpRoutes(request: Request): Response | null {
  const url = new URL(request.url);
  const id = url.searchParams.get("id") ?? "";
  if (url.pathname === "/pump") return startPump(id);
  if (url.pathname === "/stop") {
    const pump = pumps.get(id);
    if (!pump) return new Response("no such pump", { status: 404 });
    pump.stop();
    return new Response("stopped");
  }
  return null;
}
