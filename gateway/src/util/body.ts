/** Reads and validates a JSON body with a valibot schema; every refusal is a 400 with the field named. */
import type { Context } from "hono";
import * as v from "valibot";
import { errors } from "../errors.ts";

export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw errors.invalidJson();
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const message = parsed.issues
      .slice(0, 5)
      .map((issue) => {
        const path = issue.path?.map((p) => String(p.key)).join(".");
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join("; ");
    throw errors.invalidRequest(message);
  }
  return parsed.output;
}
