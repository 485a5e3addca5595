/**
 * `nodeHttpFetch` (the `fetch` of `agent-mesh mcp`'s link to the gateway) against real HTTP and HTTPS servers on
 * loopback: what it hands back must be what Node's fetch would hand back for the requests the MCP SDK makes, with
 * keep-alive, streaming event streams, aborts, socket errors and certificate checks.
 */
import { execFile } from "node:child_process";
import { getEventListeners } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpFetch } from "../../connector/src/mesh/node-http-fetch.ts";

const TLS = {
  cert: fileURLToPath(new URL("../helpers/tls/localhost.crt", import.meta.url)),
  key: fileURLToPath(new URL("../helpers/tls/localhost.key", import.meta.url)),
};

/** Requests the server saw, and the sockets they came on. */
const seen: Array<{
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  socket: number;
}> = [];
/** A number per connection the server accepted. */
const socketIds = new Map<object, number>();
let server: Server;
let tlsServer: ReturnType<typeof createTlsServer>;
let base: string;
let tlsBase: string;
/** Lets the event stream of `/events` end. */
let endEvents: () => void = () => {};

function handler(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    if (!socketIds.has(req.socket)) socketIds.set(req.socket, socketIds.size + 1);
    const socket = socketIds.get(req.socket)!;
    seen.push({
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
      socket,
    });
    switch (req.url) {
      case "/events":
        // The first event now, the end only when the test says: a client that waits for the end hangs here.
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: first\n\n");
        endEvents = () => res.end("data: last\n\n");
        return;
      case "/quiet":
        // An event, then a silence longer than the client's idle-socket time, then the end.
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write("data: first\n\n");
        setTimeout(() => res.end("data: last\n\n"), 600);
        return;
      case "/hang":
        return; // never answered
      case "/cut":
        // Promises 100 bytes, sends 10, then drops the connection.
        res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
        res.write('{"partial"');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case "/odd":
        res.writeHead(999, "Odd"); // a status a Response cannot carry
        return res.end();
      case "/empty":
        res.writeHead(204);
        return res.end();
      case "/moved":
        res.writeHead(302, { location: "/landed" });
        return res.end();
      default:
        res.setHeader("set-cookie", ["a=1", "b=2"]);
        res.writeHead(201, "Made", { "content-type": "application/json", "x-answer": "42" });
        res.end(JSON.stringify({ path: req.url }));
    }
  });
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tlsServer = createTlsServer({ cert: readFileSync(TLS.cert), key: readFileSync(TLS.key) }, (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ tls: true, path: req.url }));
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
  tlsBase = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  endEvents();
  for (const s of [server, tlsServer]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const manual = { redirect: "manual" } as const;
const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("nodeHttpFetch", () => {
  it("sends the method, headers and body, and hands back status, headers and body as fetch does", async () => {
    const fetchHttp = nodeHttpFetch();
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const headers = new Headers({ "content-type": "application/json", "mcp-protocol-version": "2026-07-28" });
    const res = await fetchHttp(`${base}/mcp`, { ...manual, method: "post", headers, body });
    expect([res.status, res.statusText, res.ok]).toEqual([201, "Made", true]);
    expect(res.headers.get("x-answer")).toBe("42");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.json()).toEqual({ path: "/mcp" });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: "POST", url: "/mcp", body });
    expect(request.headers).toMatchObject({
      "content-type": "application/json",
      "mcp-protocol-version": "2026-07-28",
      "content-length": String(Buffer.byteLength(body)),
    });
    // A body of bytes, and headers as a plain object.
    const bytes = new TextEncoder().encode("é");
    await (
      await fetchHttp(`${base}/bytes`, { ...manual, method: "PUT", headers: { "x-a": "1" }, body: bytes })
    ).text();
    expect(seen.at(-1)).toMatchObject({
      method: "PUT",
      body: "é",
      headers: { "x-a": "1", "content-length": "2" },
    });
  });

  it("keeps the connection alive between requests", async () => {
    const fetchHttp = nodeHttpFetch();
    for (let i = 0; i < 5; i++) await (await fetchHttp(`${base}/k${i}`, manual)).text();
    const sockets = new Set(seen.slice(-5).map((request) => request.socket));
    expect(sockets.size).toBe(1);
  });

  it("answers 204 and HEAD with no body, and hands a redirect back unfollowed (the SDK follows it itself)", async () => {
    const fetchHttp = nodeHttpFetch();
    const empty = await fetchHttp(`${base}/empty`, { ...manual, method: "DELETE" });
    expect([empty.status, empty.body]).toEqual([204, null]);
    const head = await fetchHttp(`${base}/h`, { ...manual, method: "HEAD" });
    expect([head.status, head.body]).toEqual([201, null]);
    const moved = await fetchHttp(`${base}/moved`, manual);
    expect([moved.status, moved.headers.get("location")]).toEqual([302, "/landed"]);
  });

  it("hands an event stream on while it arrives, and an abort errors it and leaves no listener", async () => {
    const controller = new AbortController();
    const res = await nodeHttpFetch()(`${base}/events`, { ...manual, signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    // The server has not ended the stream: this read only returns if the body is streamed.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
    expect(listeners(controller.signal)).toBe(1);
    controller.abort(new Error("transport closed"));
    await expect(reader.read()).rejects.toThrow("transport closed");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(listeners(controller.signal)).toBe(0);
  });

  it("reads an event stream to its end, and then leaves no listener", async () => {
    const controller = new AbortController();
    const res = await nodeHttpFetch()(`${base}/events`, { ...manual, signal: controller.signal });
    const text = res.text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    endEvents();
    expect(await text).toBe("data: first\n\ndata: last\n\n");
    expect(listeners(controller.signal)).toBe(0);
  });

  it("lets an answer in flight be silent for longer than a socket may idle, and closes idle sockets", async () => {
    const fetchHttp = nodeHttpFetch({ idleSocketMs: 200 });
    const res = await fetchHttp(`${base}/quiet`, manual);
    expect(await res.text()).toBe("data: first\n\ndata: last\n\n");
    const socket = seen.at(-1)!.socket;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await (await fetchHttp(`${base}/after-idle`, manual)).text();
    expect(seen.at(-1)!.socket).not.toBe(socket); // the idle one was closed; this came on a new connection
  });

  it("rejects with the signal's reason when aborted before the answer, or already aborted", async () => {
    const fetchHttp = nodeHttpFetch();
    const controller = new AbortController();
    const pending = fetchHttp(`${base}/hang`, { ...manual, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reason = new Error("caller left");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(listeners(controller.signal)).toBe(0);
    await expect(fetchHttp(`${base}/x`, { ...manual, signal: controller.signal })).rejects.toBe(reason);
    // One long-lived signal on many requests holds no listener once they are done.
    const shared = new AbortController();
    for (let i = 0; i < 200; i++)
      await (await fetchHttp(`${base}/n${i}`, { ...manual, signal: shared.signal })).json();
    expect(listeners(shared.signal)).toBe(0);
  });

  it("rejects a refused connection, a body cut short and an impossible status with a TypeError whose cause says why", async () => {
    const fetchHttp = nodeHttpFetch();
    const refused = await fetchHttp("http://127.0.0.1:1/", manual).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).cause).toMatchObject({ code: "ECONNREFUSED" });
    const cut = await fetchHttp(`${base}/cut`, manual).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(TypeError);
    expect((cut as TypeError).cause).toMatchObject({ code: "ECONNRESET" });
    const odd = await fetchHttp(`${base}/odd`, manual).catch((error: unknown) => error);
    expect(odd).toBeInstanceOf(TypeError);
    expect(String((odd as TypeError).cause)).toContain("status 999");
  });

  it("sends what it does not take (a redirect to follow, a Request, a streamed body) to the fallback", async () => {
    const fetchHttp = nodeHttpFetch();
    // Node's fetch follows the redirect: /landed answers 201.
    const followed = await fetchHttp(`${base}/moved`);
    expect([followed.status, await followed.json()]).toEqual([201, { path: "/landed" }]);
    const viaRequest = await fetchHttp(new Request(`${base}/req`, { redirect: "manual" }));
    expect(await viaRequest.json()).toEqual({ path: "/req" });
    const streamed = new Blob(["streamed"]).stream();
    const res = await fetchHttp(`${base}/s`, {
      ...manual,
      method: "POST",
      body: streamed,
      duplex: "half",
    } as RequestInit);
    await res.text();
    expect(seen.at(-1)).toMatchObject({ url: "/s", body: "streamed" });
  });

  it("checks the server's certificate over HTTPS", async () => {
    const refused = await nodeHttpFetch()(`${tlsBase}/t`, manual).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError).cause).toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });

  it("trusts a certificate authority the user adds with NODE_EXTRA_CA_CERTS, as Node's fetch does", async () => {
    const script = `
      const { nodeHttpFetch } = await import(${JSON.stringify(new URL("../../connector/src/mesh/node-http-fetch.ts", import.meta.url).href)});
      const res = await nodeHttpFetch()(${JSON.stringify(`${tlsBase}/t`)}, { redirect: "manual" });
      console.log(JSON.stringify(await res.json()));`;
    // In a process of its own: Node reads NODE_EXTRA_CA_CERTS once, at its start.
    const child = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: TLS.cert },
        timeout: 30_000,
      },
    );
    expect(JSON.parse(child.stdout)).toEqual({ tls: true, path: "/t" });
  });
});
