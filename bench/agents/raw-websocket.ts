/**
 * The least a WebSocket client can do, for load generators that open tens of thousands of sockets: a plain TCP
 * socket, a fixed upgrade request, text frames out (masked with a zero key, which RFC 6455 allows: servers unmask
 * whatever key they get) and text frames in. No `http` request object, no key hashing, no event emitter per
 * socket beyond the TCP socket's own: the `ws` client cost the generators more CPU per connect than the servers
 * they measure, so on two cores it, not the server, set the connect rate.
 *
 * Not a general client: no fragmentation (servers send our small frames whole), no extensions, no TLS.
 */
import { connect, type Socket } from "node:net";

export interface RawSocketEvents {
  /** The server answered 101: frames may be sent now. */
  open(): void;
  /** One text frame from the server. */
  text(payload: string): void;
  /** The TCP socket is gone, after a close frame or not, with the error's code if it failed. Called once. */
  closed(errorCode?: string): void;
}

/** A fixed key: the server's accept header is never checked, so it need not be random. */
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const HEADERS_END = Buffer.from("\r\n\r\n");
const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** A masked client frame (zero mask key) carrying `payload`. */
export function clientFrame(payload: string | Buffer, opcode = OPCODE_TEXT): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const extended = body.length < 126 ? 0 : body.length < 65_536 ? 2 : 8;
  const frame = Buffer.alloc(2 + extended + 4 + body.length);
  frame[0] = 0x80 | opcode;
  if (extended === 0) frame[1] = 0x80 | body.length;
  else if (extended === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(body.length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(body.length), 2);
  }
  // Bytes 2 + extended .. + 4 are the mask key: zeros, so the payload goes out as it is.
  body.copy(frame, 2 + extended + 4);
  return frame;
}

/** Where a socket connects from: a loopback address and, better, a port of the generator's choosing too. */
export interface SocketSource {
  address: string;
  /**
   * Binding an address with port 0 makes the kernel search its bind table for a free port, and that search grows
   * with the sockets bound already: at 19,000 sockets it took half the generator's CPU (perf: inet_bind2_bucket_find,
   * inet_bhash2_conflict). A chosen port is one lookup.
   */
  port?: number;
}

/** Opens one socket to `url` (ws://host:port/path) from `source`. */
export function openRawWebSocket(
  url: URL,
  source: SocketSource | undefined,
  events: RawSocketEvents,
): Socket {
  const socket = connect({
    host: url.hostname,
    port: Number(url.port),
    localAddress: source?.address,
    localPort: source?.port,
  });
  socket.setNoDelay(true);
  let upgraded = false;
  let pending: Buffer | null = null;
  let ended = false;

  socket.on("connect", () => {
    socket.write(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
  socket.on("data", (data: Buffer) => {
    let buffer = pending ? Buffer.concat([pending, data]) : data;
    pending = null;
    if (!upgraded) {
      const end = buffer.indexOf(HEADERS_END);
      if (end === -1) {
        pending = buffer;
        return;
      }
      // "HTTP/1.1 101 Switching Protocols": anything else is a refusal.
      if (buffer.toString("latin1", 9, 12) !== "101") {
        socket.destroy();
        return;
      }
      upgraded = true;
      buffer = buffer.subarray(end + HEADERS_END.length);
      events.open();
    }
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const opcode = buffer[offset]! & 0x0f;
      let length = buffer[offset + 1]! & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        start += 2;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = Number(buffer.readBigUInt64BE(offset + 2));
        start += 8;
      }
      if (buffer.length < start + length) break;
      const payload = buffer.subarray(start, start + length);
      offset = start + length;
      if (opcode === OPCODE_TEXT) events.text(payload.toString());
      else if (opcode === OPCODE_PING) socket.write(clientFrame(payload, OPCODE_PONG));
      else if (opcode === OPCODE_CLOSE) {
        socket.end(clientFrame(payload, OPCODE_CLOSE));
        break;
      }
    }
    if (offset < buffer.length) pending = Buffer.from(buffer.subarray(offset));
  });
  let errorCode: string | undefined;
  const finish = () => {
    if (ended) return;
    ended = true;
    events.closed(errorCode);
  };
  socket.on("close", finish);
  socket.on("error", (error: NodeJS.ErrnoException) => {
    // "close" follows and does the bookkeeping.
    errorCode = error.code;
  });
  return socket;
}
