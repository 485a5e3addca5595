/**
 * Cluster presence on a real Redis: epochs fence a stale owner, an expired claim is re-taken only while nobody
 * claimed since, a dead node's agents are removed from its own set (Redis never sees SCAN or KEYS).
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterPresence } from "../../gateway/src/cluster/presence.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { sleep } from "../helpers/wait.ts";

const server = await startRedis();

describe.skipIf(!server)("cluster presence", () => {
  let redis: Redis;
  let prefix = "";
  let counter = 0;
  beforeAll(() => {
    redis = new Redis(server!.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });
  const node = (nodeId: string, ttlMs = 5000) => new ClusterPresence({ redis, prefix, nodeId, ttlMs });
  const fresh = () => {
    prefix = `presence-${counter++}:`;
  };
  const scans = async () => {
    const stats = (await redis.info("commandstats")) as string;
    return [...stats.matchAll(/cmdstat_(scan|keys):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
  };

  it("a newer claim fences the earlier owner: its refresh reports the loss and its release changes nothing", async () => {
    fresh();
    const a = node("a");
    const b = node("b");
    const epochA = await a.claim("ag_1");
    expect(await a.homes(["ag_1", "ag_2"])).toEqual(
      new Map([
        ["ag_1", { node: "a", epoch: epochA }],
        ["ag_2", null],
      ]),
    );
    const epochB = await b.claim("ag_1");
    expect(epochB).toBeGreaterThan(epochA);
    expect(await a.refresh(new Map([["ag_1", epochA]]))).toEqual(["ag_1"]);
    expect(await b.refresh(new Map([["ag_1", epochB]]))).toEqual([]);
    expect(await a.owns("ag_1", epochA)).toBe(false);
    expect(await b.owns("ag_1", epochB)).toBe(true);
    expect(await a.release("ag_1", epochA)).toBe(false);
    expect((await b.homes(["ag_1"])).get("ag_1")).toEqual({ node: "b", epoch: epochB });
    expect(await redis.smembers(`${prefix}cluster:node-agents:a`)).toEqual([]);
    expect(await b.release("ag_1", epochB)).toBe(true);
    expect((await b.homes(["ag_1"])).get("ag_1")).toBeNull();
  });

  it("refreshes many claims in slices and reports exactly the ones another node took", async () => {
    fresh();
    const a = node("a");
    const b = node("b");
    const held = new Map<string, number>();
    const ids = Array.from({ length: 1200 }, (_, i) => `ag_${i}`);
    await Promise.all(ids.map(async (id) => held.set(id, await a.claim(id))));
    await b.claim("ag_3");
    await b.claim("ag_1100");
    expect((await a.refresh(held)).sort()).toEqual(["ag_1100", "ag_3"]);
    const homes = await a.homes(ids);
    expect(ids.filter((id) => homes.get(id)?.node === "a")).toHaveLength(1198);
    expect(homes.get("ag_3")?.node).toBe("b");
    expect(await redis.scard(`${prefix}cluster:node-agents:a`)).toBe(1198);
  });

  it("a claim expires without refreshes; the owner re-takes it only if nobody claimed since", async () => {
    fresh();
    const a = node("a", 200);
    const b = node("b", 200);
    const epoch = await a.claim("ag_x");
    await sleep(300);
    expect((await a.homes(["ag_x"])).get("ag_x")).toBeNull(); // frozen node: not online past its TTL
    expect(await a.refresh(new Map([["ag_x", epoch]]))).toEqual([]); // woke up, nobody else took it
    expect(await a.owns("ag_x", epoch)).toBe(true);
    await sleep(300);
    const other = await b.claim("ag_x"); // the agent reconnected elsewhere while a was frozen
    expect(await a.refresh(new Map([["ag_x", epoch]]))).toEqual(["ag_x"]);
    expect((await a.homes(["ag_x"])).get("ag_x")).toEqual({ node: "b", epoch: other });
  });

  it("removes a dead node's presence from its own set, keeping agents that moved on, without scanning", async () => {
    fresh();
    const before = await scans();
    const dead = node("dead");
    const alive = node("alive");
    await dead.refresh(new Map());
    for (const agentId of ["ag_a", "ag_b", "ag_c"]) await dead.claim(agentId);
    const moved = await alive.claim("ag_c");
    await alive.refresh(new Map([["ag_c", moved]]));
    await sleep(150);
    await alive.refresh(new Map([["ag_c", moved]]));
    expect(await alive.reapDeadNodes(100)).toEqual(["dead"]);
    const homes = await alive.homes(["ag_a", "ag_b", "ag_c"]);
    expect([...homes.values()]).toEqual([null, null, { node: "alive", epoch: moved }]);
    expect(await redis.exists(`${prefix}cluster:node-agents:dead`)).toBe(0);
    expect(await redis.zrange(`${prefix}cluster:nodes`, 0, -1)).toEqual(["alive"]);
    expect(await alive.reapDeadNodes(100)).toEqual([]);
    expect(await scans()).toBe(before);
  });
});
