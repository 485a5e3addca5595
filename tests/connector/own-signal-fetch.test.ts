/**
 * `fetchWithOwnSignals` (the `fetch` of `agent-mesh mcp`'s link to the gateway) against a real HTTP server on
 * loopback, with Node's own fetch underneath: one long-lived signal for every request, as the MCP SDK's transport
 * passes it, keeps no listener once a request is done, and an abort of it still stops what is in flight.
 */
import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithOwnSignals } from "../../connector/src/mesh/own-signal-fetch.ts";

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/slow") {
      // Headers and a first chunk now, the rest never: a body still being read when the caller aborts.
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("data: first\n\n");
      return;
    }
    if (req.url === "/empty") {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(201, "Made", { "content-type": "application/json", "x-answer": "42" });
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const listeners = (signal: AbortSignal) => getEventListeners(signal, "abort").length;

describe("fetchWithOwnSignals", () => {
  it("leaves no listener on the shared signal after many requests, whatever their body", async () => {
    const fetchOwn = fetchWithOwnSignals();
    const shared = new AbortController();
    for (let i = 0; i < 2000; i++) {
      const res = await fetchOwn(`${base}/n${i}`, { signal: shared.signal });
      if (i % 3 === 0) await res.json();
      else if (i % 3 === 1) await res.text();
      else await res.body?.cancel();
    }
    const empty = await fetchOwn(`${base}/empty`, { signal: shared.signal });
    expect(empty.status).toBe(204);
    expect(listeners(shared.signal)).toBe(0);
  });

  it("hands back the server's status, headers and body", async () => {
    const res = await fetchWithOwnSignals()(`${base}/x`, { signal: new AbortController().signal });
    expect([res.status, res.statusText, res.ok]).toEqual([201, "Made", true]);
    expect(res.headers.get("x-answer")).toBe("42");
    expect(await res.json()).toEqual({ path: "/x" });
  });

  it("hands a plain answer back as it came, with no listener left once its headers arrived", async () => {
    const shared = new AbortController();
    let fromBase: Response | undefined;
    const fetchOwn = fetchWithOwnSignals(async (input, init) => {
      fromBase = await fetch(input, init);
      return fromBase;
    });
    const res = await fetchOwn(`${base}/plain`, { signal: shared.signal });
    expect(res).toBe(fromBase); // not wrapped in a stream of our own
    expect(listeners(shared.signal)).toBe(0);
    expect(await res.json()).toEqual({ path: "/plain" });
  });

  it("holds one listener while an event stream is read, and an abort of the shared signal stops it", async () => {
    const shared = new AbortController();
    const res = await fetchWithOwnSignals()(`${base}/slow`, { signal: shared.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: first\n\n");
    expect(listeners(shared.signal)).toBe(1);
    shared.abort(new Error("transport closed"));
    await expect(reader.read()).rejects.toThrow();
    expect(listeners(shared.signal)).toBe(0);
  });

  it("fails a request whose signal is already aborted, and one the server never answers, without a listener left", async () => {
    const fetchOwn = fetchWithOwnSignals();
    const aborted = new AbortController();
    aborted.abort(new Error("closed before"));
    await expect(fetchOwn(`${base}/x`, { signal: aborted.signal })).rejects.toThrow("closed before");
    const shared = new AbortController();
    await expect(fetchOwn("http://127.0.0.1:1/", { signal: shared.signal })).rejects.toThrow();
    expect(listeners(shared.signal)).toBe(0);
  });
});
