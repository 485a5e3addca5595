/**
 * Node's HTTP parser refuses some requests before any handler runs: a URL and headers over its 16 KiB limit, a
 * header block that never finishes, malformed HTTP. Its default answer is a bare status line, without the code
 * and message every other refusal carries; here it is the gateway's own error body. A socket that can no longer
 * be written to (the client reset it, or a response is already under way) is only closed.
 */
import { type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { errors, renderError } from "../../gateway/src/index.ts";

function refusalFor(code: string | undefined) {
  if (code === "HPE_HEADER_OVERFLOW") return errors.headersTooLarge();
  if (code === "HPE_REQUEST_TIMEOUT" || code === "ERR_HTTP_REQUEST_TIMEOUT") return errors.requestTimeout();
  return errors.malformedRequest();
}

export function answerClientErrorsWithJson(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, body } = renderError(refusalFor(error.code));
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  });
}
