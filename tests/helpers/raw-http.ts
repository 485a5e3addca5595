/**
 * HTTP written by hand over a plain TCP socket, for what no HTTP client sends: malformed requests, no Host header,
 * a body that stops halfway, a connection left idle.
 */
import { connect } from "node:net";

/**
 * Writes `raw` to the server at `url` and resolves, once the server closes the connection (a reset counts), with
 * everything it answered and how long it took; rejects if that takes over `timeoutMs`.
 */
export function rawExchange(
  url: string,
  raw: string,
  timeoutMs = 5000,
): Promise<{ text: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (part) => {
      text += part;
    });
    socket.on("error", () => {}); // a reset is an ending too; `close` follows
    socket.on("close", () => resolve({ text, closedAfterMs: Date.now() - started }));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${timeoutMs} ms`));
    });
  });
}

/** The status, content type and JSON body of a raw answer. */
export function parseRawAnswer(text: string): { status: number; contentType?: string; body: any } {
  const [head, body] = text.split("\r\n\r\n");
  return {
    status: Number(head!.split(" ")[1]),
    contentType: /content-type: ([^\r\n]+)/i.exec(head!)?.[1],
    body: JSON.parse(body!),
  };
}
