/**
 * A `fetch` over `node:http` and `node:https` with keep-alive agents, for `agent-mesh mcp`'s calls to the gateway.
 * Node 20's own fetch (undici) streams every request body through web streams and tees it for the MCP SDK's
 * `redirect: "manual"`, then answers through more of them: in one process, a JSON call took 634–743 µs of CPU that
 * way against 360–443 µs over `node:http`. Through the whole bridge (2,000 `ask_agent` calls, the two taking
 * turns), 885–1,270 µs of its CPU per call against 1,350–1,610 with Node's fetch.
 *
 * It takes what the SDK's transport sends: an http(s) URL, a string or bytes body, `redirect: "manual"` (the SDK
 * follows redirects itself, within the origin). Any other request goes to `fallback`. Answers:
 * - an event stream (a long call's progress, then its answer) is handed on while it arrives;
 * - any other body is read whole before the promise resolves (the gateway's JSON answers are small) and handed on
 *   as one piece of bytes, not as a stream fed from the socket.
 *
 * As fetch does: an abort rejects with the signal's reason before the answer and errors its stream after; a socket
 * error rejects with a `TypeError` whose `cause` is that error. The abort listener is removed once the request is
 * done, so one long-lived signal on every request does not pile listeners up. Idle sockets are closed after 4 s
 * (undici's default), before servers' own keep-alive timeouts (5 s on Node) close them under a new request.
 * @module
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { Readable } from "node:stream";
import { isEventStream } from "./own-signal-fetch.ts";

export interface NodeHttpFetchOptions {
  /** For the requests this fetch does not take; Node's fetch by default. */
  fallback?: typeof fetch;
  /** How long a kept-alive socket may sit unused before it is closed (4 s). A request in flight is not timed. */
  idleSocketMs?: number;
}

export function nodeHttpFetch({
  fallback = fetch,
  idleSocketMs = 4_000,
}: NodeHttpFetchOptions = {}): typeof fetch {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, timeout: idleSocketMs }),
    "https:": new https.Agent({ keepAlive: true, timeout: idleSocketMs }),
  };
  return (input, init) => {
    const url = typeof input === "string" ? parseUrl(input) : input instanceof URL ? input : null;
    const body = init?.body;
    if (
      (url?.protocol !== "http:" && url?.protocol !== "https:") ||
      init?.redirect !== "manual" ||
      !(body == null || typeof body === "string" || body instanceof Uint8Array)
    ) {
      return fallback(input, init);
    }
    return send(url, init, body ?? undefined, agents[url.protocol]);
  };
}

function send(
  url: URL,
  init: RequestInit,
  body: string | Uint8Array | undefined,
  agent: http.Agent,
): Promise<Response> {
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const method = (init.method ?? "GET").toUpperCase();
  const headers = headersObject(init.headers);
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));

  return new Promise<Response>((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(url, { method, headers, agent });
    let response: IncomingMessage | undefined;
    const abort = () => (response ?? request).destroy(signal!.reason);
    signal?.addEventListener("abort", abort, { once: true });
    const release = () => signal?.removeEventListener("abort", abort);
    const fail = (error: unknown) => {
      release();
      reject(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: error }));
    };
    request.on("error", fail);
    request.once("response", (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      let answer: ResponseInit;
      try {
        answer = { status, statusText: res.statusMessage, headers: headersOf(res.rawHeaders) };
        if (status < 200 || status > 599) throw new Error(`status ${status}`);
      } catch (error) {
        res.destroy();
        return fail(error);
      }
      if (method === "HEAD" || status === 204 || status === 205 || status === 304) {
        res.on("error", () => {}).resume();
        release();
        return resolve(new Response(null, answer));
      }
      if (isEventStream(res.headers["content-type"])) {
        res.once("close", release); // at its end, on an error, an abort or a cancel of the stream
        return resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, answer));
      }
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("error", fail); // also a connection closed before the answer's end ("aborted")
      res.once("end", () => {
        release();
        const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        resolve(new Response(whole as Uint8Array<ArrayBuffer>, answer));
      });
    });
    request.end(body);
  });
}

/** `URL.parse` is Node 22's; the connector runs on Node 20 too. */
function parseUrl(input: string): URL | null {
  try {
    return new URL(input);
  } catch {
    return null;
  }
}

function headersObject(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  (init instanceof Headers ? init : new Headers(init)).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function headersOf(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}
