/** Sends one fuzzed request and reads the whole answer, failing on a hang instead of waiting forever. */
import type { FuzzBody } from "./arbitraries.ts";
import type { Answer } from "./check-response.ts";

export const REQUEST_DEADLINE_MS = 15_000;

export async function send(
  url: string,
  method: string,
  token: string | undefined,
  body: FuzzBody,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body.contentType && method !== "GET" && method !== "HEAD") headers["content-type"] = body.contentType;
  if (body.accept && !headers.accept) headers.accept = body.accept;
  const signal = AbortSignal.timeout(REQUEST_DEADLINE_MS);
  const bodyless = method === "GET" || method === "HEAD";
  const payload = bodyless ? undefined : body.chunked ? inPieces(body.body) : (body.body as BodyInit);
  try {
    const res = await fetch(url, { method, headers, body: payload, signal, duplex: "half" } as RequestInit);
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text };
  } catch (error) {
    if (signal.aborted) throw new Error(`${method} ${url} hung for more than ${REQUEST_DEADLINE_MS} ms`);
    throw error;
  }
}

/** A request body as text, to tell whether a value in the answer was echoed from it. */
export function bodyText(body: FuzzBody): string {
  return typeof body.body === "string" ? body.body : new TextDecoder().decode(body.body);
}

/** The body as a stream of small pieces, so fetch sends it chunked, with no Content-Length. */
function inPieces(body: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  // Small pieces, but at most about 50 of them: a 300 KB body in 7-byte pieces takes seconds to send.
  const piece = Math.max(7, Math.ceil(bytes.length / 50));
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}
