/**
 * Reads small request bodies before the Hono app sees the request and hands them to `@hono/node-server` as
 * `rawBody`, the input it takes for a body read ahead (as on Cloud Functions). Without it every body read attaches
 * and removes four stream listeners (data, end, error, close) and waits a tick: 13–16 µs of a `/v1` call's round
 * trip on Node (bench A/B, p50 0.379 → 0.366 ms; the floor reads its bodies the same plain way).
 *
 * Only bodies that declare a length up to `SMALL_BODY_BYTES` are read ahead. Bigger and chunked bodies stream as
 * before, so the gateway's body limit and uploads behave the same. A request that dies mid-body never reaches the
 * app: there is nobody left to answer.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerOptions,
  type ServerResponse,
} from "node:http";

export const SMALL_BODY_BYTES = 64 * 1024;

export function readingSmallBodiesFirst(listener: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    const declared = request.headers["content-length"];
    const length = declared === undefined ? Number.NaN : Number(declared);
    if (
      request.method === "GET" ||
      request.method === "HEAD" ||
      !(length <= SMALL_BODY_BYTES) ||
      request.headers["transfer-encoding"] !== undefined
    ) {
      listener(request, response);
      return;
    }
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.once("end", () => {
      (request as IncomingMessage & { rawBody: Buffer }).rawBody =
        parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      listener(request, response);
    });
    request.once("error", () => {}); // a client gone mid-body: its socket closes, nothing to answer
  };
}

/**
 * `http.createServer` for `@hono/node-server`'s `serve({ createServer })`, which always passes options and its
 * request listener (the cast drops `createServer`'s other overloads, never used there).
 */
export const createServerReadingSmallBodiesFirst = ((options: ServerOptions, listener: RequestListener) =>
  createServer(options, readingSmallBodiesFirst(listener))) as typeof createServer;
