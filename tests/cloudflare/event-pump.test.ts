/**
 * The hub's event pump (runtimes/cloudflare/relay-wire.ts) inside workerd, stopped from another request than the
 * one reading: the unread budget cuts the stream holding the most from whichever stream's write passed its limit,
 * and workerd refuses I/O on one request's objects from another's. The pump stopped with an AbortController threw
 * there ("Cannot perform I/O on behalf of a different request"), the stream went on, and a flooding agent was
 * never told to stop (tests/gateway/sse-callers.test.ts timed out on workerd).
 */
import { SELF } from "cloudflare:test";
import { expect, it } from "vitest";

it("a pump stopped from another request stops reading and cancels its stream", async () => {
  const id = crypto.randomUUID();
  const res = await SELF.fetch(`https://test/pump?id=${id}`);
  // The pump runs while its response is open; let a few events through before stopping it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const stop = await SELF.fetch(`https://test/stop?id=${id}`, { method: "POST" });
  expect(await stop.text()).toBe("stopped");
  const summary = JSON.parse(await res.text()) as { chunks: number; canceled: boolean };
  expect(summary.chunks).toBeGreaterThan(0);
  expect(summary.canceled).toBe(true);
});
