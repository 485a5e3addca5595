/**
 * A2A push-notification configs of one task written through two gateways at once (two in-process gateways, each
 * with its own connection to one Redis, see `sharedRedisForFile`): configs live in one list beside the task, so
 * before the list became a compare-and-set step, two creates at once kept only one, and a delete racing a create
 * dropped the new config.
 */
import { afterAll, describe, expect, it } from "vitest";
import { kvBlobStore } from "../../gateway/src/blob-stores/kv.ts";
import type { Gateway } from "../../gateway/src/index.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";
import { sharedRedisForFile } from "../helpers/shared-redis.ts";
import { sleep } from "../helpers/wait.ts";

const redis = await sharedRedisForFile();
const ROUNDS = 20;

const call = (gateway: Gateway, method: string, path: string, token: string, body?: unknown) =>
  inProcessApi(gateway, token, { "a2a-version": "1.0" }).call(method, path, body);

// Skipped only without redis-server: sharedRedisForFile printed the SKIPPED line, and REQUIRE_REDIS=1 (CI) fails.
describe.skipIf(!redis)("A2A push configs written through two gateways at once", () => {
  const gateways: Gateway[] = [];
  afterAll(async () => {
    for (const gateway of gateways) await gateway.dispose();
  });

  async function twoGateways() {
    const stores = redis!.pair();
    const [a, b] = stores.map((store) => inProcessGateway({ store, blobs: kvBlobStore({ store }) })) as [
      Gateway,
      Gateway,
    ];
    gateways.push(a, b);
    await a.init();
    await b.init();
    const user = await call(a, "POST", "/v1/tokens", IN_PROCESS_ADMIN_TOKEN, { name: "push-user" });
    const agent = await call(a, "POST", "/v1/agents", user.body.token, { name: "push-agent" });
    expect(agent.status).toBe(201);
    const newTask = async () => {
      const res = await call(a, "POST", "/v1/agents/push-agent/messages", user.body.token, {
        message: "work",
        async: true,
      });
      expect(res.status).toBe(202);
      return res.body.task_id as string;
    };
    const configs = (task: string) =>
      `/a2a/push-agent/tasks/${encodeURIComponent(task)}/pushNotificationConfigs`;
    return { a, b, token: user.body.token as string, newTask, configs };
  }

  it("two creates at once on two gateways: both configs stay", async () => {
    const { a, b, token, newTask, configs } = await twoGateways();
    const lost: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const task = await newTask();
      const create = (gateway: Gateway, id: string) =>
        call(gateway, "POST", configs(task), token, { id, url: `https://hooks.example.com/${id}` });
      const created = await Promise.all([
        create(a, "left"),
        sleep(Math.random()).then(() => create(b, "right")),
      ]);
      expect(
        created.map((res) => res.status),
        JSON.stringify(created[0]!.body),
      ).toEqual([200, 200]);
      const listed = await call(a, "GET", configs(task), token);
      const ids = (listed.body.configs as Array<{ id: string }>).map((c) => c.id).sort();
      if (ids.join() !== "left,right") lost.push(`round ${round}: ${ids.join() || "none"}`);
    }
    expect(lost, "push configs lost to a concurrent create").toEqual([]);
  });

  it("a delete on one gateway racing a create on the other: the new config stays, the deleted one goes", async () => {
    const { a, b, token, newTask, configs } = await twoGateways();
    const wrong: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const task = await newTask();
      const first = await call(a, "POST", configs(task), token, {
        id: "old",
        url: "https://hooks.example.com/o",
      });
      expect(first.status).toBe(200);
      const remove = () => call(a, "DELETE", `${configs(task)}/old`, token);
      const create = () =>
        call(b, "POST", configs(task), token, { id: "new", url: "https://hooks.example.com/n" });
      const [x, y] = round % 2 ? [remove, create] : [create, remove];
      await Promise.all([x(), sleep(Math.random()).then(y)]);
      const listed = await call(a, "GET", configs(task), token);
      const ids = (listed.body.configs as Array<{ id: string }>).map((c) => c.id).sort();
      if (ids.join() !== "new") wrong.push(`round ${round}: ${ids.join() || "none"}`);
    }
    expect(wrong).toEqual([]);
  });
});
