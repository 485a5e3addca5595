/**
 * The least a WebSocket client can do, for load generators that open tens of thousands of sockets: a plain TCP
 * socket, a fixed upgrade request, text frames out (masked with a zero key, which RFC 6455 allows: servers unmask
 * whatever key they get) and text frames in. No `http` request object, no key hashing, no event emitter per
 * socket: the `ws` client cost the generators more CPU per connect than the servers they measure, so on two cores
 * it, not the server, set the connect rate.
 *
 * Bun only: its native TCP client (`Bun.connect`), with one set of handlers for every socket and each socket's
 * state in its `data`. In a wave of 19,000 connects it cost the generators 30% less CPU per connect than
 * `node:net` on Bun, which builds a stream and an event emitter per socket.
 *
 * Not a general client: no fragmentation (servers send our small frames whole), no extensions, no TLS.
 */

export interface RawSocketEvents {
  /** The server answered 101: frames may be sent now. */
  open(): void;
  /** One text frame from the server. */
  text(payload: string): void;
  /** The TCP socket is gone, after a close frame or not, with the error's code if it failed. Called once. */
  closed(errorCode?: string): void;
}

/** A client socket: frames go out with `send` (queued while the kernel's buffer is full). */
export interface RawWebSocket {
  send(frame: Uint8Array): void;
  destroy(): void;
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

/** The slice of Bun's TCP client used here (the root tsconfig type-checks bench/ with Node types only). */
interface BunTcpSocket {
  readonly data: SocketState;
  /** Bytes the kernel took (fewer when its buffer is full; the rest waits for `drain`). */
  write(data: Uint8Array | string): number;
  end(data?: Uint8Array): void;
  terminate(): void;
  setNoDelay(enabled: boolean): boolean;
}
interface BunTcpHandlers {
  open(socket: BunTcpSocket): void;
  data(socket: BunTcpSocket, chunk: Uint8Array): void;
  drain(socket: BunTcpSocket): void;
  end(socket: BunTcpSocket): void;
  close(socket: BunTcpSocket, error?: Error): void;
  error(socket: BunTcpSocket, error: Error): void;
  connectError(socket: BunTcpSocket, error: Error): void;
}
declare const Bun: {
  connect(options: {
    hostname: string;
    port: number;
    /** Not in Bun's type declarations, but taken by `Bun.connect` as by `node:net` (checked on Bun 1.4). */
    localAddress?: string;
    localPort?: number;
    data: SocketState;
    socket: BunTcpHandlers;
  }): Promise<BunTcpSocket>;
};

interface SocketState {
  events: RawSocketEvents;
  upgrade: Uint8Array;
  socket: BunTcpSocket | null;
  upgraded: boolean;
  /** Bytes received but not yet a whole response head or frame. */
  pending: Buffer | null;
  /** Bytes the kernel did not take yet. */
  unsent: Buffer | null;
  errorCode: string | undefined;
  destroyed: boolean;
  ended: boolean;
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

function write(state: SocketState, bytes: Uint8Array): void {
  const socket = state.socket;
  if (socket === null || state.ended) return;
  if (state.unsent !== null) {
    state.unsent = Buffer.concat([state.unsent, bytes]);
    return;
  }
  const written = Math.max(0, socket.write(bytes));
  if (written < bytes.length) state.unsent = Buffer.from(bytes.subarray(written));
}

function finish(state: SocketState, errorCode?: string): void {
  if (state.ended) return;
  state.ended = true;
  state.events.closed(errorCode ?? state.errorCode);
}

/** Frames in `buffer` from `offset` on, as far as they are whole; returns where the first incomplete one starts. */
function readFrames(state: SocketState, socket: BunTcpSocket, buffer: Buffer): number {
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
    if (opcode === OPCODE_TEXT) state.events.text(payload.toString());
    else if (opcode === OPCODE_PING) write(state, clientFrame(payload, OPCODE_PONG));
    else if (opcode === OPCODE_CLOSE) {
      socket.end(clientFrame(payload, OPCODE_CLOSE));
      return buffer.length;
    }
  }
  return offset;
}

/** One set of handlers for every socket: each one's state is its `data`. */
const handlers: BunTcpHandlers = {
  open(socket) {
    const state = socket.data;
    state.socket = socket;
    if (state.destroyed) return socket.terminate();
    socket.setNoDelay(true);
    write(state, state.upgrade);
  },
  data(socket, chunk) {
    const state = socket.data;
    let buffer = state.pending ? Buffer.concat([state.pending, chunk]) : (chunk as Buffer);
    state.pending = null;
    if (!state.upgraded) {
      const end = buffer.indexOf(HEADERS_END);
      if (end === -1) {
        state.pending = Buffer.from(buffer);
        return;
      }
      // "HTTP/1.1 101 Switching Protocols": anything else is a refusal.
      if (buffer.toString("latin1", 9, 12) !== "101") return socket.terminate();
      state.upgraded = true;
      buffer = buffer.subarray(end + HEADERS_END.length);
      state.events.open();
    }
    const used = readFrames(state, socket, buffer);
    // Copied: Bun may reuse the chunk's memory for the next read.
    if (used < buffer.length) state.pending = Buffer.from(buffer.subarray(used));
  },
  drain(socket) {
    const state = socket.data;
    const unsent = state.unsent;
    if (unsent === null) return;
    state.unsent = null;
    write(state, unsent);
  },
  end(socket) {
    socket.end();
  },
  close(socket, error) {
    finish(socket.data, (error as NodeJS.ErrnoException | undefined)?.code);
  },
  error(socket, error) {
    // `close` follows and does the bookkeeping.
    socket.data.errorCode = (error as NodeJS.ErrnoException).code;
  },
  connectError(socket, error) {
    finish(socket.data, (error as NodeJS.ErrnoException).code);
  },
};

/** The upgrade request for `url`: the same bytes for every socket to it. */
const upgrades = new Map<string, Uint8Array>();
function upgradeRequest(url: URL): Uint8Array {
  let request = upgrades.get(url.href);
  if (request === undefined) {
    request = Buffer.from(
      `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    upgrades.set(url.href, request);
  }
  return request;
}

/** Opens one socket to `url` (ws://host:port/path) from `source`. */
export function openRawWebSocket(
  url: URL,
  source: SocketSource | undefined,
  events: RawSocketEvents,
): RawWebSocket {
  const state: SocketState = {
    events,
    upgrade: upgradeRequest(url),
    socket: null,
    upgraded: false,
    pending: null,
    unsent: null,
    errorCode: undefined,
    destroyed: false,
    ended: false,
  };
  Bun.connect({
    hostname: url.hostname,
    port: Number(url.port),
    localAddress: source?.address,
    localPort: source?.port,
    data: state,
    socket: handlers,
  }).catch(() => {
    // `connectError` reported it.
  });
  return {
    send: (frame) => write(state, frame),
    destroy() {
      state.destroyed = true;
      state.socket?.terminate();
    },
  };
}
