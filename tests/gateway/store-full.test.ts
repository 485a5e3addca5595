/**
 * A gateway whose fs store reached its limit (AGENT_MESH_FS_MAX_MB; by default a share of the memory the process
 * may use): new tasks and inbox messages are refused with 507 `store_full` on every door, before anything is
 * acknowledged; every task it took is kept and runs once its agent connects; and once finished tasks expire it
 * takes work again. Without the limit, a queue that outgrows memory crashes the process.
 */
import { afterEach, describe, expect, it } from "vitest";
import { apiClient } from "../helpers/api.ts";
import {
  connectAgent,
  createAgent,
  createUser,
  queueUntilRefused,
  type TestAgent,
} from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";

describe("a full fs store", () => {
  let gateway: GatewayProcess | undefined;
  let agent: TestAgent | undefined;
  afterEach(async () => {
    agent?.stop();
    await gateway?.stop();
  });

  it("refuses new work with 507 store_full, runs every task it took, and takes work again once they expire", async () => {
    gateway = await startGateway({
      runtime: "node",
      store: "fs",
      env: { AGENT_MESH_FS_MAX_MB: "1", AGENT_MESH_TASK_TTL_MS: "2000" },
    });
    const user = await createUser(gateway.url, gateway.adminToken, "filler");
    await createAgent(user.api, { name: "worker" });
    const message = "m".repeat(8000);
    const { accepted, refused } = await queueUntilRefused(user.api, "worker", message);
    // About 1 MB of tasks of 8 KB each.
    expect(accepted.length).toBeGreaterThan(100);
    expect(accepted.length).toBeLessThan(130);
    expect(refused?.status).toBe(507);
    expect(refused?.headers.get("retry-after")).toBe("60");
    expect(refused?.body.error.code).toBe("store_full");
    expect(refused?.body.error.message).toMatch(/store is full \(1 MB of live data.*AGENT_MESH_FS_MAX_MB/);

    // The admin sees how full it is.
    const node = (await apiClient(gateway.url, gateway.adminToken).get("/v1/node")).body;
    expect(node.store_max_live_bytes).toBe(2 ** 20);
    expect(node.store_live_bytes).toBeGreaterThanOrEqual(2 ** 20);

    // The other doors that add work: an inbox message, an A2A message.
    const inbox = await user.api.post("/v1/agents/worker/inbox", { message: "hello" });
    expect([inbox.status, inbox.body.error.code]).toEqual([507, "store_full"]);
    const a2a = await apiClient(gateway.url, user.token, { "a2a-version": "1.0" }).post(
      "/a2a/worker/message:send",
      {
        message: { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] },
      },
    );
    expect(a2a.status).toBe(429);
    expect(a2a.body.error.status).toBe("RESOURCE_EXHAUSTED");
    expect(JSON.stringify(a2a.body.error.details)).toContain("store_full");

    // What it took is readable, and runs: the updates of a full store go on.
    expect((await user.api.get(`/v1/tasks/${accepted[0]}`)).body.status).toBe("submitted");
    agent = await connectAgent(gateway.url, user.token, "worker");
    await waitFor(
      async () => (await user.api.get(`/v1/tasks/${accepted.at(-1)}`)).body.status === "completed",
      {
        timeoutMs: 20_000,
        what: "the last accepted task completed",
      },
    );
    for (const id of accepted) {
      const task = (await user.api.get(`/v1/tasks/${id}`)).body;
      expect([task.status, task.result === message]).toEqual(["completed", true]);
    }

    // Finished tasks expire after AGENT_MESH_TASK_TTL_MS, and the store has room again.
    await waitFor(
      async () => (await user.api.post("/v1/agents/worker/inbox", { message: "room?" })).status === 201,
      {
        timeoutMs: 15_000,
        what: "room in the store once finished tasks expired",
      },
    );
    const after = await user.api.post("/v1/agents/worker/messages", { message: "again", async: true });
    expect(after.status).toBe(202);

    // One line when it filled and one when it had room again, not a line (or a stack) per refusal.
    const log = gateway.output();
    expect(log.match(/the fs store reached its limit \(1 MB of live data/g)).toHaveLength(1);
    expect(log.match(/the fs store has room again/g)).toHaveLength(1);
    expect(log).not.toContain("store_full'");
  });

  it("by default stops a Node gateway's queue short of its heap limit: 507, no crash, and it restarts with every task", async () => {
    // Measured with this heap: without the limit the gateway died of "JavaScript heap out of memory" after about
    // 5,600 such tasks. With it, it refused from about 3,400 on, and its restart (replaying 28 MB of live data) died
    // the same way until the journal was replayed line by line instead of decoded into one string first.
    gateway = await startGateway({
      runtime: "node",
      store: "fs",
      env: { NODE_OPTIONS: "--max-old-space-size=64", AGENT_MESH_RATE_LIMIT: "off" },
    });
    const user = await createUser(gateway.url, gateway.adminToken, "flood");
    await createAgent(user.api, { name: "offline" });
    const { accepted, refused } = await queueUntilRefused(user.api, "offline", "f".repeat(8000), {
      batch: 16,
      max: 20_000,
    });
    expect(refused?.body.error.code).toBe("store_full");
    expect(accepted.length).toBeGreaterThan(1000);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    await gateway.restart();
    for (const id of [accepted[0], accepted.at(-1)]) {
      expect((await user.api.get(`/v1/tasks/${id}`)).body.status).toBe("submitted");
    }
    // Every task can be read after the restart (as its agent would when it comes back), page by page.
    let listed = 0;
    for (let cursor = ""; ; ) {
      const page = await user.api.get(`/v1/tasks?agent=offline&limit=100${cursor}`);
      expect(page.status).toBe(200);
      listed += page.body.tasks.length;
      if (!page.body.next_cursor) break;
      cursor = `&cursor=${page.body.next_cursor}`;
    }
    expect(listed).toBe(accepted.length);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
  });
});
