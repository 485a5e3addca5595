/**
 * On Workers every key a listing reads crosses an RPC to the store object: a page of the agent list, a caller's
 * tasks or the admin's tokens reads its keys a chunk at a time (`keyRange`), not every key under the prefix (the
 * admin's agent list: one name per agent of the deployment) for each page.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createTokenService } from "../../gateway/src/auth/tokens.ts";
import { createAgentService } from "../../gateway/src/domain/agents.ts";
import type { Caller } from "../../gateway/src/domain/caller.ts";
import { skipIndexPassesOnNewStore } from "../../gateway/src/domain/index-passes.ts";
import { createTaskService } from "../../gateway/src/domain/tasks.ts";
import { cloudflareSessionStore } from "../../gateway/src/session-stores/cloudflare.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";
import { taskFields } from "../helpers/backlog-tests.ts";

const admin: Caller = { tokenId: "t0", user: "admin", kind: "admin", scopes: ["admin", "call"] };
const ada: Caller = { tokenId: "t1", user: "ada", kind: "user", scopes: ["call"] };
const fields = { description: "", type: "exec", capabilities: [] };

/** `store`, recording how many keys each listing call answered (what crossed the RPC). */
function countingListings(store: SessionStore): { store: SessionStore; listed: Array<[string, number]> } {
  const listed: Array<[string, number]> = [];
  return {
    store: {
      ...store,
      keys: async (prefix) => {
        const keys = await store.keys(prefix);
        listed.push([`keys ${prefix}`, keys.length]);
        return keys;
      },
      keyRange: async (prefix, range) => {
        const keys = await store.keyRange!(prefix, range);
        listed.push([`keyRange ${prefix}`, keys.length]);
        return keys;
      },
    },
    listed,
  };
}

async function freshStore(): Promise<SessionStore> {
  const store = cloudflareSessionStore({ namespace: env.STORE, name: crypto.randomUUID() });
  await skipIndexPassesOnNewStore(store);
  return store;
}

describe("listings on the cloudflare store", () => {
  it("a page of the agent list reads a chunk of names, not every name", async () => {
    const store = await freshStore();
    const writer = createAgentService(store);
    // 300 agents: more than one chunk of names (256); every third public.
    for (let i = 0; i < 300; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          writer.create(i + k < 150 ? "ada" : "bob", {
            name: `a${String(i + k).padStart(3, "0")}`,
            visibility: (i + k) % 3 === 0 ? "public" : "private",
            ...fields,
          }),
        ),
      );
    }
    const { store: counted, listed } = countingListings(store);
    const agents = createAgentService(counted);

    const first = await agents.page(admin, { limit: 10 });
    expect(first.agents.map((a) => a.name)).toEqual(Array.from({ length: 10 }, (_, i) => `a00${i}`));
    const second = await agents.page(admin, { limit: 10, after: first.next! });
    expect(second.agents[0]!.name).toBe("a010");
    const last = await agents.page(admin, { limit: 100, after: "a250" });
    expect(last.agents.map((a) => a.name)).toEqual(Array.from({ length: 49 }, (_, i) => `a${251 + i}`));
    expect(last.next).toBeNull();

    // ada sees her own 150 and bob's public ones, merged in order.
    const mixed = await agents.page(ada, { limit: 100, after: "a140" });
    expect(mixed.agents.map((a) => a.name).slice(0, 12)).toEqual([
      "a141",
      "a142",
      "a143",
      "a144",
      "a145",
      "a146",
      "a147",
      "a148",
      "a149",
      "a150",
      "a153",
      "a156",
    ]);

    expect(listed.filter(([call]) => call.startsWith("keys "))).toEqual([]);
    for (const [call, count] of listed) expect(count, call).toBeLessThanOrEqual(256);
    // Each page of the admin read one chunk: the first two pages 256 names each, the last the 49 after a250.
    expect(listed.slice(0, 3)).toEqual([
      ["keyRange agent-name:", 256],
      ["keyRange agent-name:", 256],
      ["keyRange agent-name:", 49],
    ]);
  });

  it("a page of a caller's tasks reads a chunk of its entries, newest first", async () => {
    const store = await freshStore();
    const writer = createTaskService(store, { ttlSeconds: 600 });
    const created = [];
    for (let i = 0; i < 150; i++)
      created.push(await writer.create(taskFields("ag_00000000000000c1", `m${i}`)));
    const { store: counted, listed } = countingListings(store);
    const tasks = createTaskService(counted, { ttlSeconds: 600 });

    const first = await tasks.listOf("alice", { limit: 5 });
    expect(first.tasks.map((t) => t.message)).toEqual(["m149", "m148", "m147", "m146", "m145"]);
    const next = await tasks.listOf("alice", { limit: 5, cursor: first.nextCursor! });
    expect(next.tasks.map((t) => t.message)).toEqual(["m144", "m143", "m142", "m141", "m140"]);
    expect(listed.filter(([call]) => call.startsWith("keys "))).toEqual([]);
    for (const [call, count] of listed) expect(count, call).toBeLessThanOrEqual(64);
    expect(created).toHaveLength(150);
  });

  it("a page of the admin's tokens reads a chunk of ids", async () => {
    const store = await freshStore();
    const writer = createTokenService(store);
    for (let i = 0; i < 300; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () => writer.mint({ user: "ada", kind: "user", scopes: ["call"] })),
      );
    }
    const { store: counted, listed } = countingListings(store);
    const tokens = createTokenService(counted);
    const first = await tokens.page({ limit: 20 });
    expect(first.tokens).toHaveLength(20);
    const second = await tokens.page({ limit: 20, after: first.next! });
    expect(second.tokens[0]!.id > first.tokens[19]!.id).toBe(true);
    expect(listed.filter(([call]) => call.startsWith("keys "))).toEqual([]);
    for (const [call, count] of listed) expect(count, call).toBeLessThanOrEqual(256);
  });
});
