/**
 * What a gateway (or a proxy in front of it) said when it answered the WebSocket upgrade with plain HTTP instead
 * of `101`: a full node's `503 node_full`, a balancer's `502`. The agent client shows it as the reason of the
 * disconnect, so the person running the connector reads why it keeps retrying.
 */
import type { IncomingMessage } from "node:http";

/** Enough for any error body of ours; a proxy's HTML page is cut. */
const MAX_BODY_CHARS = 4096;
/** A body that never ends must not hold the reconnect loop. */
const READ_TIMEOUT_MS = 2000;

/** Reads the refusal's body and returns one line: `HTTP 503 node_full: <message>`, or `HTTP <status>`. */
export function readHandshakeRefusal(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    const finish = () => {
      clearTimeout(timer);
      resolve(describeRefusal(response.statusCode ?? 0, body));
    };
    const timer = setTimeout(finish, READ_TIMEOUT_MS);
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      if (body.length < MAX_BODY_CHARS) body += chunk;
    });
    response.on("end", finish);
    response.on("error", finish);
  });
}

export function describeRefusal(status: number, body: string): string {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof error?.code === "string")
      return `HTTP ${status} ${error.code}${typeof error.message === "string" ? `: ${error.message}` : ""}`;
  } catch {
    // Not a gateway error body (a proxy's page): the status is what can be said.
  }
  return `HTTP ${status}`;
}
