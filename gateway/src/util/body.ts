/** Reads and validates a JSON body with a valibot schema; every refusal is a 400 with the field named. */
import type { Context } from "hono";
import * as v from "valibot";
import { errors } from "../errors.ts";
import { describeIssue } from "./schema-issue.ts";

export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw errors.invalidJson();
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    throw errors.invalidRequest(
      parsed.issues
        .slice(0, 5)
        .map((issue) => describeIssue(issue))
        .join("; "),
    );
  }
  return parsed.output;
}
