/**
 * A small S3-compatible object server for tests (no S3 server is installable here): path-style
 * `PUT/GET/HEAD/DELETE /<bucket>/<key>` with bytes kept in memory, and every request's AWS Signature V4 checked by
 * re-signing it with the known secret (a wrong key or a tampered request gets 403 SignatureDoesNotMatch, as from
 * S3).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AwsV4Signer } from "aws4fetch";

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Object keys currently stored, for assertions. */
  keys(): string[];
  stop(): Promise<void>;
}

export async function startFakeS3(): Promise<FakeS3> {
  const bucket = "agent-mesh-test";
  const region = "us-east-1";
  const accessKeyId = "AKIDTEST";
  const secretAccessKey = `secret-${Math.random().toString(36).slice(2)}`;
  const objects = new Map<string, Buffer>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => reply(res, 500, "InternalError", String(error)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const body = Buffer.concat(parts);
    if (!(await signatureMatches(req, body)))
      return reply(res, 403, "SignatureDoesNotMatch", "bad signature");
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, bucketName, ...rest] = url.pathname.split("/");
    if (bucketName !== bucket) return reply(res, 404, "NoSuchBucket", String(bucketName));
    const key = rest.map(decodeURIComponent).join("/");
    if (!key) return reply(res, 400, "InvalidRequest", "listing is not supported by this fake");
    switch (req.method) {
      case "PUT":
        objects.set(key, body);
        res.writeHead(200, { etag: `"${body.length}"` }).end();
        return;
      case "GET":
      case "HEAD": {
        const data = objects.get(key);
        if (!data) return reply(res, 404, "NoSuchKey", key);
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length });
        res.end(req.method === "GET" ? data : undefined);
        return;
      }
      case "DELETE":
        objects.delete(key);
        res.writeHead(204).end();
        return;
      default:
        return reply(res, 405, "MethodNotAllowed", String(req.method));
    }
  }

  /** Signs the same method, URL, signed headers and body again and compares the Authorization header. */
  async function signatureMatches(req: IncomingMessage, body: Buffer): Promise<boolean> {
    const authorization = String(req.headers.authorization ?? "");
    const signed = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
    const datetime = String(req.headers["x-amz-date"] ?? "");
    if (!authorization.includes(`Credential=${accessKeyId}/`) || !datetime) return false;
    const headers = new Headers();
    for (const name of signed) {
      if (name !== "host" && req.headers[name] !== undefined) headers.set(name, String(req.headers[name]));
    }
    const signer = new AwsV4Signer({
      method: req.method,
      url: `http://${req.headers.host}${req.url}`,
      headers,
      body: body.length > 0 ? new Uint8Array(body) : undefined,
      accessKeyId,
      secretAccessKey,
      service: "s3",
      region,
      datetime,
    });
    const expected = (await signer.sign()).headers.get("authorization");
    return expected === authorization;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    keys: () => [...objects.keys()].sort(),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}
