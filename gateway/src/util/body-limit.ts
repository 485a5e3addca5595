/**
 * Body-size guard. A request that declares its length is judged by the header alone: touching `request.body` to
 * count bytes makes some adapters (Node's) build a full Web `Request` for every call, which showed up in profiles.
 * Bodies without a declared length (chunked) are counted as they stream.
 *
 * Past the cap the rest is read and dropped up to a bound (`DRAIN_FACTOR` times the cap), then canceled, for a
 * declared length too: answering with the body half-read stalled the next request for seconds behind workerd's
 * dev proxy, and Bun closed the connection under a client still sending, which then saw EPIPE instead of the 413.
 * An endless or huge body must not keep the gateway reading, so beyond the bound the 413 goes out at once.
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import { errors } from "../errors.ts";

export function limitBody(maxSize: number): MiddlewareHandler {
  // The declared-length case (nearly every request) returns `next()` without an async frame of its own.
  return (c, next) => {
    const headers = c.req.raw.headers;
    const length = headers.get("content-length");
    if (length !== null && !headers.has("transfer-encoding")) {
      if (Number(length) > maxSize) return refuseDeclared(c, Number(length), maxSize);
      return next();
    }
    return countBody(c, next, maxSize);
  };
}

/** How much of an oversized body is read and dropped before the 413, as a multiple of the cap. */
const DRAIN_FACTOR = 4;

/** Refuses a body that declared more than the cap, after reading it away if it is within the drain bound. */
async function refuseDeclared(c: Context, length: number, maxSize: number): Promise<never> {
  const body = length <= maxSize * DRAIN_FACTOR ? c.req.raw.body : null;
  if (body) await drain(body.getReader(), maxSize * DRAIN_FACTOR);
  throw errors.bodyTooLarge(maxSize);
}

/** Counts a body of undeclared length as it streams, and hands on a request holding the bytes read. */
async function countBody(c: Context, next: Next, maxSize: number): Promise<void> {
  const body = c.req.raw.body;
  if (!body) return next();
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxSize) {
      await drain(reader, maxSize * DRAIN_FACTOR);
      throw errors.bodyTooLarge(maxSize);
    }
    parts.push(value);
  }
  const buffer = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    buffer.set(part, offset);
    offset += part.byteLength;
  }
  c.req.raw = new Request(c.req.raw, { body: buffer });
  await next();
}

/** Reads and drops up to `limit` more bytes, then cancels whatever is left. */
async function drain(
  // Structural: runtimes extend the reader type differently (Bun adds readMany).
  reader: { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> },
  limit: number,
): Promise<void> {
  let dropped = 0;
  try {
    while (dropped <= limit) {
      const { done, value } = await reader.read();
      if (done) return;
      dropped += value?.byteLength ?? 0;
    }
    await reader.cancel();
  } catch {
    // The client went away mid-body; there is nothing left to tell it.
  }
}
