/** A valibot issue as a person reads it, for the 400s of every door. */
import type * as v from "valibot";

/**
 * `message is required`, `limit: expected number, got "ten"`, or the schema's own words where it has some, after
 * the field's name unless they start with it (`message must not be empty`). Valibot's default wording ("Invalid
 * key: Expected \"message\" but received undefined") names the schema's internals, not what to send.
 */
export function describeIssue(issue: v.BaseIssue<unknown>, fallbackPath = ""): string {
  const path = issue.path?.map((step) => String(step.key)).join(".") || fallbackPath;
  const at = path ? `${path}: ` : "";
  if (issue.message.startsWith("Invalid key:") || issue.message.startsWith("Invalid type:")) {
    if (issue.received === "undefined") return path ? `${path} is required` : "a value is required";
    return `${at}expected ${issue.expected}, got ${issue.received}`;
  }
  const named = path !== "" && (issue.message.startsWith(`${path} `) || issue.message.startsWith(`${path}:`));
  return named ? issue.message : `${at}${issue.message}`;
}
