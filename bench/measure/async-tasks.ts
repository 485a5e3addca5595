/**
 * Measurement 4: durable async tasks accepted per second on the fs store, with 32 concurrent senders and the
 * agent offline so every task stays queued. Measured from a backlog of 0, then again once 10,000 tasks wait.
 * The warm-up goes to another agent, so the measured agent's queue really starts empty.
 */
import { httpClient } from "../lib/http-load.ts";
import { apiPost } from "../lib/relay-target.ts";
import { type LocalRuntime, startGateway } from "../lib/servers.ts";

/**
 * Bun's JIT needs about 10,000 requests on this path to reach its steady rate (the first thousand run ~10× slower),
 * so the warm-up is long; its first window is reported as the cold rate.
 */
export const ASYNC = { senders: 32, warmup: 10_000, coldWindow: 1000, window: 3000, backlog: 10_000 };

export interface AsyncTasksResult {
  /** The first tasks of a fresh process, before the JIT warmed up. */
  coldPerSecond: number;
  atEmptyPerSecond: number;
  atBacklogPerSecond: number;
}

export async function measureAsyncTasks(runtime: LocalRuntime): Promise<AsyncTasksResult> {
  const gateway = await startGateway(runtime, { store: "fs" });
  try {
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "tasks" });
    await apiPost(gateway.url, user.token, "/v1/agents", { name: "warmup" });
    await apiPost(gateway.url, user.token, "/v1/agents", { name: "queue" });
    const client = httpClient(gateway.url, user.token, ASYNC.senders);
    const body = JSON.stringify({ message: "summarise the logs of last night", async: true });
    const send = async (agent: string, count: number): Promise<number> => {
      let sent = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: ASYNC.senders }, async () => {
          while (sent < count) {
            sent++;
            const res = await client.post(`/v1/agents/${agent}/messages`, body);
            if (res.status !== 202) throw new Error(`async task refused: ${res.status} ${res.body}`);
          }
        }),
      );
      return count / ((performance.now() - started) / 1000);
    };
    try {
      const coldPerSecond = await send("warmup", ASYNC.coldWindow);
      await send("warmup", ASYNC.warmup - ASYNC.coldWindow);
      const atEmptyPerSecond = await send("queue", ASYNC.window);
      await send("queue", ASYNC.backlog - ASYNC.window);
      const atBacklogPerSecond = await send("queue", ASYNC.window);
      return { coldPerSecond, atEmptyPerSecond, atBacklogPerSecond };
    } finally {
      client.close();
    }
  } finally {
    await gateway.stop();
  }
}
