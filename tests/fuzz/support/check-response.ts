/**
 * What every answer to fuzzed input must look like: a well-formed response under 500 (a 503 only with a documented
 * "try later" code), and for refusals a body a person can act on — the gateway's `{error:{code,message}}`, or on the
 * JSON-RPC doors (MCP, A2A) a JSON-RPC error, or A2A REST's `google.rpc.Status` — whose mesh code is stable
 * snake_case from the sources. Returns the problem, or null.
 */
import { knownErrorCodes, SNAKE_CASE } from "./known-codes.ts";

/** 503s the README documents: the agent or the store cannot serve right now. */
const DOCUMENTED_503 = new Set(["agent_offline", "store_unavailable", "store_read_only", "store_busy"]);

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

export function answerProblem(answer: Answer): string | null {
  const json = answer.contentType.includes("json");
  let body: unknown;
  if (json) {
    try {
      body = JSON.parse(answer.text);
    } catch {
      return `content-type says JSON but the body is not: ${answer.text.slice(0, 200)}`;
    }
  }
  if (answer.status < 400) return null;
  if (!json)
    return `refusal ${answer.status} is not JSON (${answer.contentType}): ${answer.text.slice(0, 200)}`;
  const refusal = meshRefusal(body);
  if (typeof refusal === "string") return refusal;
  if (refusal.code !== undefined) {
    if (!SNAKE_CASE.test(refusal.code)) return `code ${JSON.stringify(refusal.code)} is not snake_case`;
    if (!knownErrorCodes().has(refusal.code)) return `code ${refusal.code} appears nowhere in the sources`;
    if (refusal.code === "internal_error") return "internal_error";
  }
  if (answer.status >= 500 && !(answer.status === 503 && refusal.code && DOCUMENTED_503.has(refusal.code)))
    return `status ${answer.status}`;
  return null;
}

/** The mesh code and message of an error body (undefined code: a plain JSON-RPC error), or what is wrong with it. */
function meshRefusal(body: unknown): { code: string | undefined; message: string } | string {
  const error = (body as { error?: unknown } | null)?.error;
  if (!error || typeof error !== "object") return `no error object in ${JSON.stringify(body).slice(0, 200)}`;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== "string" || message.trim() === "")
    return `error without a message: ${JSON.stringify(error)}`;
  if (typeof code === "string") return { code, message };
  if (typeof code !== "number" || !Number.isInteger(code))
    return `error code is neither text nor an integer: ${code}`;
  // JSON-RPC / google.rpc.Status: the mesh code rides in an ErrorInfo's metadata when the door has one.
  const info = JSON.stringify(error).match(/"metadata":\{[^}]*"code":"([^"]*)"/);
  return { code: info?.[1], message };
}
