/**
 * Body-size guard. A request that declares its length is judged by the header alone: touching `request.body` to
 * count bytes makes some adapters (Node's) build a full Web `Request` for every call, which showed up in profiles.
 * Only bodies without a declared length (chunked) are counted as they stream, by Hono's own middleware.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { errors } from "../errors.ts";

export function limitBody(maxSize: number): MiddlewareHandler {
  const onError = (): never => {
    throw errors.bodyTooLarge(maxSize);
  };
  const streaming = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const length = c.req.header("content-length");
    if (length === undefined || c.req.header("transfer-encoding") !== undefined) return streaming(c, next);
    if (Number(length) > maxSize) onError();
    await next();
  };
}
