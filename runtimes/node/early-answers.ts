/**
 * An answer given before its request's body has all arrived (refused by its token, a version already published, a
 * declared size over a limit) goes out once the rest of the body is read and dropped, so the connection can carry
 * the client's next request. Sent at once, it left the rest unread, and `@hono/node-server` then reads for 500 ms
 * and closes the connection without a word: a client on a slow uplink (or a busy machine) that had written its
 * body into its socket took the connection for free, sent its next request on it, and met the close instead of an
 * answer (undici: `other side closed`). The gateway's own body limit waits the same way (util/body-limit.ts).
 *
 * What is waited for is bounded: past `DRAIN_BYTES` or `DRAIN_MS` the answer goes out with `Connection: close`, so
 * the client knows not to send more on that connection.
 */
import { IncomingMessage } from "node:http";
import type { Http2Bindings, HttpBindings } from "@hono/node-server";

/** Most of an unread body read and dropped before answering (the same bound as @hono/node-server's). */
export const DRAIN_BYTES = 64 * 1024 * 1024;
/** Longest wait for the rest of an unread body before answering anyway. */
export const DRAIN_MS = 30_000;

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

export function answeringAfterTheBody(fetch: Fetch): Fetch {
  return (request, env) => {
    const answer = fetch(request, env);
    const { incoming } = env;
    // The common case stays synchronous when the app's was: no await unless the body is still arriving. (The
    // entry serves HTTP/1.1 only; an HTTP/2 stream ends on its own.)
    if (incoming.complete || incoming.method === "GET" || incoming.method === "HEAD") return answer;
    if (!(incoming instanceof IncomingMessage)) return answer;
    return Promise.resolve(answer).then((response) =>
      incoming.complete ? response : dropRestThenAnswer(incoming, response),
    );
  };
}

async function dropRestThenAnswer(incoming: IncomingMessage, response: Response): Promise<Response> {
  const drained = await new Promise<boolean>((resolve) => {
    let dropped = 0;
    const finish = (whole: boolean) => {
      clearTimeout(timer);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("close", onClose);
      if (!whole) incoming.pause();
      resolve(whole);
    };
    const onData = (part: Buffer) => {
      dropped += part.length;
      if (dropped > DRAIN_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    // The client left mid-body: nobody to answer, and nothing more to read.
    const onClose = () => finish(true);
    const timer = setTimeout(() => finish(false), DRAIN_MS);
    // The app stopped reading the body (it answered without it, or canceled its stream): whoever listened for its
    // data is done with it, and would only buffer what is dropped here.
    incoming.removeAllListeners("data");
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("close", onClose);
    incoming.resume();
  });
  if (drained) return response;
  const headers = new Headers(response.headers);
  headers.set("connection", "close");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
