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
  if (body.contentType) headers["content-type"] = body.contentType;
  const signal = AbortSignal.timeout(REQUEST_DEADLINE_MS);
  try {
    const res = await fetch(url, { method, headers, body: body.body as BodyInit, signal });
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
