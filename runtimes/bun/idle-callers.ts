/**
 * Bun's idle timer on callers' connections. With `idleTimeout: 0` a connection that sent its headers and then
 * nothing (a stalled body), or sat kept-alive between requests, stayed open for good: a client gone without a FIN
 * (a laptop asleep, a NAT that forgot it) or one that holds sockets on purpose kept a file each, out of the
 * 1,000 a node keeps for callers and storage. So the timer is on, and this decides when it runs.
 *
 * Measured on Bun 1.4 (the timer ticks every 4 s, so a connection goes between `seconds - 4` and `seconds` after
 * its last activity):
 *
 * - bytes of a response reset it, bytes of a request body do not;
 * - it runs while a request's body arrives, stops once the body is in, and runs again from the answer on: so a body
 *   that stops arriving is cut, a call that waits for its agent after its body is in is not, nor is a stream that
 *   writes a keepalive more often than the timeout (the config insists), and a kept-alive connection with no next
 *   request is closed. Requests with a body are left to that as they are (tests/gateway/idle-callers.test.ts
 *   watches it);
 * - a request without a body is timed out while it waits for its answer, so its timer is set off here
 *   (`server.timeout(request, 0)`, which holds for the connection until set again) and back on with the answer;
 * - a body longer than `maxBodyBytes` (an attachment, a skill) or chunked re-arms the timer with each part here,
 *   so an upload that keeps sending is never cut, however long it takes.
 *
 * Headers that never end are Bun's own business: it closes such a connection after 10 s whatever the setting.
 */

/** The slice of `Bun.serve`'s server used here. */
export interface TimerServer {
  timeout(request: Request, seconds: number): void;
}

type Handle = (request: Request) => Response | Promise<Response>;

/** Bun's timeout in whole seconds, from the gateway's `idleTimeoutMs`. */
export function idleSeconds(idleTimeoutMs: number): number {
  return Math.max(1, Math.ceil(idleTimeoutMs / 1000));
}

/** Runs `handle` on `request`, keeping Bun's idle timer to the times the gateway waits for the caller. */
export function withIdleTimer(
  server: TimerServer,
  request: Request,
  handle: Handle,
  seconds: number,
  maxBodyBytes: number,
): Response | Promise<Response> {
  const length = request.headers.get("content-length");
  const chunked = request.headers.has("transfer-encoding");
  if (!chunked && (length === null || length === "0")) {
    server.timeout(request, 0);
    return answered(server, request, handle(request), seconds);
  }
  if (!chunked && Number(length) <= maxBodyBytes) return handle(request);
  return answered(server, request, handle(rearmingOnEachPart(server, request, seconds)), seconds);
}

/** A longer or chunked body: each part re-arms the timer, its end turns it off until the answer. */
function rearmingOnEachPart(server: TimerServer, request: Request, seconds: number): Request {
  const body = request.body?.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(part, controller) {
        server.timeout(request, seconds);
        controller.enqueue(part);
      },
      flush() {
        server.timeout(request, 0);
      },
    }),
  );
  return new Request(request, { body, duplex: "half" } as RequestInit);
}

/** Turns the timer back on once the answer is ready (a stream's writes then keep it from firing). */
function answered(
  server: TimerServer,
  request: Request,
  response: Response | Promise<Response>,
  seconds: number,
): Response | Promise<Response> {
  if (response instanceof Response) {
    server.timeout(request, seconds);
    return response;
  }
  return response.finally(() => server.timeout(request, seconds));
}
