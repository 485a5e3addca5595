/**
 * A `fetch` that gives every request an AbortSignal of its own, for a client that passes one long-lived signal to
 * all its requests. The MCP SDK's Streamable HTTP transport does: one AbortController per connection, its signal on
 * every POST. Node's fetch puts an abort listener on the signal it is given and takes it off only once the request
 * is garbage-collected, so `agent-mesh mcp` serving a few thousand tool calls piled that many listeners on one
 * signal, and Node printed a MaxListenersExceededWarning per call to the agent's MCP log from the 1,501st on.
 *
 * Here the long-lived signal holds one listener per request in flight. For an event stream (a long call's progress
 * and answer) it is removed once the stream has been read to its end, cancelled or has failed; for any other answer
 * (the gateway's plain JSON, already on its way in one piece) once its headers arrived: wrapping every body in a
 * stream of our own to watch its end cost about a tenth of a JSON call's CPU on Node 20 (its web streams are dear).
 * Aborting the long-lived signal still aborts every request and every event stream still being read.
 * @module
 */

export function fetchWithOwnSignals(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const shared = init?.signal;
    // Without a signal there is nothing to pile up on; an aborted one makes the request fail as it should.
    if (!shared || shared.aborted) return base(input, init);
    const own = new AbortController();
    const forward = () => own.abort(shared.reason);
    shared.addEventListener("abort", forward, { once: true });
    const release = () => shared.removeEventListener("abort", forward);
    let response: Response;
    try {
      response = await base(input, { ...init, signal: own.signal });
    } catch (error) {
      release();
      throw error;
    }
    if (response.body === null || !isEventStream(response.headers.get("content-type"))) {
      release();
      return response;
    }
    const { status, statusText, headers } = response;
    return new Response(releasedAtEnd(response.body, release), { status, statusText, headers });
  };
}

export const isEventStream = (contentType: string | null | undefined): boolean =>
  /^\s*text\/event-stream\b/i.test(contentType ?? "");

/** The same bytes as `body`; `release` runs once it ends, fails or is cancelled. */
function releasedAtEnd(body: ReadableStream<Uint8Array>, release: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
