/**
 * The floor's HTTP side on runtimes that serve Web `Request`/`Response` (Bun, Deno): read the JSON body, relay
 * the message, answer with SSE or one JSON body; or, for `"async": true`, journal it and answer 202 once on disk.
 */
import { acceptedJson, type FloorJournal } from "./journal.ts";
import { createFloorRelay, doneEvent, doneJson, JSON_HEADERS, SSE_HEADERS } from "./relay.ts";

const encoder = new TextEncoder();

export async function handleMessage(
  relay: ReturnType<typeof createFloorRelay>,
  request: Request,
  journal: FloorJournal | null = null,
): Promise<Response> {
  const { message, async } = (await request.json()) as { message: string; async?: boolean };
  if (async) {
    if (!journal) return new Response("no journal (FLOOR_DATA_DIR)", { status: 503 });
    const id = await journal.accept(message);
    return new Response(acceptedJson(id), { status: 202, headers: JSON_HEADERS });
  }
  if (request.headers.get("accept")?.includes("text/event-stream")) {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const relayed = relay.call(message, {
      chunk: (event) => controller.enqueue(encoder.encode(event)),
      done: (result) => {
        controller.enqueue(encoder.encode(doneEvent(result)));
        controller.close();
      },
    });
    if (!relayed) return new Response("no agent", { status: 503 });
    return new Response(body, { headers: SSE_HEADERS });
  }
  return new Promise((resolve) => {
    const relayed = relay.call(message, {
      chunk: () => {},
      done: (result) => resolve(new Response(doneJson(result), { headers: JSON_HEADERS })),
    });
    if (!relayed) resolve(new Response("no agent", { status: 503 }));
  });
}

export { createFloorRelay };
