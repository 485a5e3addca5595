/**
 * A small server speaking the Upstash Redis REST protocol over a real Redis, so `@upstash/redis` can be tested
 * locally: `POST /` (one command array), `POST /pipeline`, `POST /multi-exec`, bearer-token auth (401 otherwise),
 * and the `Upstash-Encoding: base64` response encoding the client asks for by default.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Redis from "ioredis";

export interface UpstashServer {
  url: string;
  token: string;
  stop(): Promise<void>;
  /** Stops listening (the endpoint refuses connections) until `resume`, which listens on the same port. */
  halt(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Answers every write command with `error` (as Upstash answers its quota errors, e.g. `ERR DB capacity quota
   * exceeded`: reads and deletes still work) until called with null.
   */
  refuseWrites(error: string | null): void;
  /** Answers every command with `error` (as Upstash answers once a request quota is used up) until called with null. */
  refuseAll(error: string | null): void;
}

/** Commands that store data; Upstash's size quota refuses these and lets reads and deletes through. */
const WRITES = new Set(["SET", "EVAL", "EVALSHA", "ZADD", "INCRBY", "INCR", "APPEND", "SETEX", "PSETEX"]);

type Command = [string, ...(string | number)[]];
type Reply = { result: unknown } | { error: string };

export async function startUpstashServer(redisUrl: string): Promise<UpstashServer> {
  const token = randomBytes(16).toString("hex");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: "Unauthorized" });
    if (req.method !== "POST") return send(res, 405, { error: "Method not allowed" });
    const body = JSON.parse(await readBody(req)) as unknown;
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/pipeline" || path === "/multi-exec") {
      const replies =
        path === "/pipeline" ? await pipeline(body as Command[]) : await multiExec(body as Command[]);
      return send(
        res,
        200,
        replies.map((reply) => encodeReply(reply, base64)),
      );
    }
    const reply = await run(body as Command);
    return send(res, "error" in reply ? 400 : 200, encodeReply(reply, base64));
  }

  let refusal: string | null = null;
  let refusingAll: string | null = null;

  async function run([name, ...args]: Command): Promise<Reply> {
    if (refusingAll !== null) return { error: refusingAll };
    if (refusal !== null && WRITES.has(String(name).toUpperCase())) return { error: refusal };
    try {
      return { result: await redis.callBuffer(name, ...args) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  async function pipeline(commands: Command[]): Promise<Reply[]> {
    const replies: Reply[] = [];
    for (const command of commands) replies.push(await run(command));
    return replies;
  }

  async function multiExec(commands: Command[]): Promise<Reply[]> {
    const transaction = redis.multi();
    for (const [name, ...args] of commands) transaction.callBuffer(name, ...args);
    const results = (await transaction.exec()) ?? [];
    return results.map(([error, result]) => (error ? { error: error.message } : { result }));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let listening = true;
  const halt = async () => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    halt,
    refuseWrites(error) {
      refusal = error;
    },
    refuseAll(error) {
      refusingAll = error;
    },
    async resume() {
      if (listening) return;
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      listening = true;
    },
    async stop() {
      await halt();
      await redis.quit();
    },
  };
}

/** Redis replies arrive as Buffers; Upstash sends strings, base64-encoded (nested too) when the client asks. */
function encodeReply(reply: Reply, base64: boolean): Reply {
  return "error" in reply ? reply : { result: encode(reply.result, base64) };
}

function encode(value: unknown, base64: boolean): unknown {
  if (Buffer.isBuffer(value)) return base64 ? value.toString("base64") : value.toString("utf8");
  if (typeof value === "string") return base64 ? Buffer.from(value).toString("base64") : value;
  if (Array.isArray(value)) return value.map((item) => encode(item, base64));
  return value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
