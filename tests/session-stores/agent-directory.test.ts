/**
 * Listing agents reads the caller's own and the public agents, not every agent in the store: on redis and upstash
 * from sorted sets (no keyspace SCAN per listing), elsewhere from prefix keys. Agents stored by a version without
 * the index are indexed by the first listing, once per deployment.
 */
import { describe, expect, it } from "vitest";
import { type AgentRecord, createAgentService } from "../../gateway/src/domain/agents.ts";
import type { Caller } from "../../gateway/src/domain/caller.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { agentRecord } from "../helpers/fixtures.ts";
import { redisForFile, redisSessionHarness, upstashSessionHarness } from "../helpers/store-harness.ts";

const redis = await redisForFile({ upstash: true });

/** The store with a count of the agent records read, of `keys()` calls and of whole sorted sets read. */
function counted(store: SessionStore) {
  const counts = { recordsRead: 0, scans: [] as string[], wholeSets: 0, singleReads: 0, batchReads: 0 };
  const sets = store.sortedSets;
  const wrapped: SessionStore = {
    ...store,
    sortedSets: sets && {
      ...sets,
      range: (key) => {
        counts.wholeSets += 1;
        return sets.range(key);
      },
    },
    get: (key) => {
      if (key.startsWith("agent:")) counts.recordsRead += 1;
      if (key.startsWith("agent:") || key.startsWith("agent-name:")) counts.singleReads += 1;
      return store.get(key);
    },
    getMany: (keys) => {
      counts.recordsRead += keys.filter((key) => key.startsWith("agent:")).length;
      counts.batchReads += 1;
      return store.getMany(keys);
    },
    keys: (prefix) => {
      counts.scans.push(prefix);
      return store.keys(prefix);
    },
  };
  return { store: wrapped, counts };
}

const caller = (user: string, admin = false): Caller => ({
  tokenId: `tok-${user}`,
  user,
  kind: admin ? "admin" : "user",
  scopes: admin ? ["admin"] : ["agents", "call"],
});

const names = (agents: AgentRecord[]) => agents.map((a) => a.name);

function directorySuite(name: string, open: () => Promise<SessionStoreUnderTest>, sortedSets: boolean) {
  describe(`agent directory on ${name}`, () => {
    it("reads only the page's agents, however many others the store holds", async () => {
      const subject = await open();
      try {
        const { store, counts } = counted(subject.store);
        const agents = createAgentService(store);
        // A new deployment: the one-time pass over older agents finds none.
        await agents.page(caller("alice"), { limit: 1 });
        counts.scans.length = 0;
        for (let n = 0; n < 300; n++) {
          await agents.create("fleet", {
            name: `fleet-${String(n).padStart(3, "0")}`,
            description: "",
            type: "exec",
            visibility: "private",
            capabilities: [],
          });
        }
        for (const n of ["b", "a", "c"]) {
          await agents.create("alice", {
            name: `alice-${n}`,
            description: "",
            type: "exec",
            visibility: "private",
            capabilities: [],
          });
        }
        await agents.create("bob", {
          name: "bob-public",
          description: "",
          type: "exec",
          visibility: "public",
          capabilities: [],
        });
        counts.recordsRead = 0;
        counts.singleReads = 0;
        counts.batchReads = 0;
        const page = await agents.page(caller("alice"), { limit: 10 });
        expect(names(page.agents)).toEqual(["alice-a", "alice-b", "alice-c", "bob-public"]);
        expect(page.next).toBeNull();
        // The four listed; none of the fleet's 300.
        expect(counts.recordsRead).toBe(4);
        // In two round trips (the names' ids, then the records), not two per agent: on Workers each is an RPC.
        expect([counts.singleReads, counts.batchReads]).toEqual([0, 2]);
        // No scan of the keyspace per listing where `keys` is one (redis, upstash), nor a whole index read.
        if (sortedSets) expect(counts.scans).toEqual([]);
        expect(counts.wholeSets).toBe(0);

        counts.recordsRead = 0;
        const first = await agents.page(caller("fleet"), { limit: 5, mine: true });
        expect(names(first.agents)).toEqual([
          "fleet-000",
          "fleet-001",
          "fleet-002",
          "fleet-003",
          "fleet-004",
        ]);
        const second = await agents.page(caller("fleet"), { limit: 5, mine: true, after: first.next! });
        expect(names(second.agents)).toEqual([
          "fleet-005",
          "fleet-006",
          "fleet-007",
          "fleet-008",
          "fleet-009",
        ]);
        // Each page reads at most one batch of records, not the 300.
        expect(counts.recordsRead).toBeLessThanOrEqual(2 * 64);
        const admin = await agents.page(caller("root", true), { limit: 1000 });
        expect(admin.agents).toHaveLength(304);
        // An admin's listing (the web page polls it) reads a sorted set too, not the keyspace.
        if (sortedSets) expect(counts.scans).toEqual([]);
        const adminPage = await agents.page(caller("root", true), { limit: 2, after: "bob-public" });
        expect(names(adminPage.agents)).toEqual(["fleet-000", "fleet-001"]);
      } finally {
        await subject.cleanup();
      }
    });

    it("indexes agents stored before the index existed, on the first listing", async () => {
      const subject = await open();
      try {
        const old = (id: string, agentName: string, visibility: "private" | "public") =>
          agentRecord({ id, name: agentName, owner: "carol", visibility });
        for (const agent of [
          old("ag_00000000000000a1", "Older-One", "public"),
          old("ag_00000000000000a2", "older-two", "private"),
        ]) {
          await subject.store.set(`agent:${agent.id}`, agent);
          await subject.store.set(`agent-name:${agent.name.toLowerCase()}`, agent.id);
        }
        const agents = createAgentService(subject.store);
        await agents.create("carol", {
          name: "newer",
          description: "",
          type: "exec",
          visibility: "private",
          capabilities: [],
        });
        expect(names((await agents.page(caller("carol"), { limit: 10 })).agents)).toEqual(
          ["newer", "Older-One", "older-two"].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)),
        );
        expect(names((await agents.page(caller("dave"), { limit: 10 })).agents)).toEqual(["Older-One"]);
        expect((await agents.page(caller("root", true), { limit: 10 })).agents).toHaveLength(3);
        // Another process of the same deployment does not migrate again.
        const again = counted(subject.store);
        await createAgentService(again.store).page(caller("dave"), { limit: 10 });
        expect(again.counts.scans).not.toContain("agent:");
      } finally {
        await subject.cleanup();
      }
    });
  });
}

describe("agent directory under a race", () => {
  it("lists an agent created under a name whose old holder's entries were being dropped at that moment", async () => {
    // Two nodes on one store. Node 1 deletes bob's public agent; node 2 creates carol's public agent under the freed
    // name. The writes interleave as: node 2 indexes the name, node 1 drops the name's public entry and finds no
    // record under the name yet (node 2 has not written it), then node 2 writes the record.
    const base = memorySessionStore({});
    const gate = () => {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };
    const publicEntryAdded = gate();
    const deleteDone = gate();
    const nameFreed = gate();
    let creating = false;
    const store: SessionStore = {
      ...base,
      async set(key, value, options) {
        if (creating && key.startsWith("agent:")) await deleteDone.opened;
        await base.set(key, value, options);
        if (creating && key === "agent-public:shared-name") publicEntryAdded.open();
      },
      async delete(key) {
        if (key === "agent-public:shared-name") await publicEntryAdded.opened;
        await base.delete(key);
        if (key === "agent-name:shared-name") nameFreed.open();
      },
    };
    try {
      const node1 = createAgentService(store);
      const node2 = createAgentService(store);
      const input = {
        name: "shared-name",
        description: "",
        type: "exec",
        visibility: "public" as const,
        capabilities: [],
      };
      await node1.page(caller("dave"), { limit: 1 }); // the one-time pass over older agents, done before the race
      const bobs = await node1.create("bob", input);
      const removed = node1.remove(bobs).then(deleteDone.open);
      await nameFreed.opened;
      creating = true;
      const carols = await node2.create("carol", input);
      await removed;
      const seen = await node1.page(caller("dave"), { limit: 10 });
      expect(seen.agents.map((a) => [a.name, a.owner])).toEqual([["shared-name", "carol"]]);
      expect(seen.agents[0]!.id).toBe(carols.id);
    } finally {
      await base.dispose();
    }
  });
});

directorySuite(
  "memory (prefix keys)",
  async () => {
    const store = memorySessionStore({});
    return { store, cleanup: () => store.dispose() };
  },
  false,
);
if (redis) {
  directorySuite("redis", () => redisSessionHarness(redis.url), true);
  directorySuite("upstash", () => upstashSessionHarness(redis.upstash!), true);
}
