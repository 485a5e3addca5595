/**
 * Reads the delta of a `permission` chunk: a prompt that opens, a withdrawal that closes one (protocol ≥ 3), or
 * neither (a chunk nobody can act on; callers still see it). Parsed once per chunk, wherever the gateway needs it.
 * @module
 */
import * as v from "valibot";
import { PermissionPrompt, PromptWithdrawal } from "./frames.ts";

export type PermissionDelta = { prompt: PermissionPrompt } | { withdrawal: PromptWithdrawal } | null;

export function readPermissionDelta(delta: string): PermissionDelta {
  let json: unknown;
  try {
    json = JSON.parse(delta);
  } catch {
    return null;
  }
  // A withdrawal is checked first: it is marked, and it has no `tool`, so it can never pass as a prompt anyway.
  if (typeof json === "object" && json !== null && (json as { withdrawn?: unknown }).withdrawn === true) {
    const withdrawal = v.safeParse(PromptWithdrawal, json);
    return withdrawal.success ? { withdrawal: withdrawal.output } : null;
  }
  const prompt = v.safeParse(PermissionPrompt, json);
  return prompt.success ? { prompt: prompt.output } : null;
}
