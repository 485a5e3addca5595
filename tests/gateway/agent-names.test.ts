/**
 * Calls by agent name remember the id they found, but only as a hint: after a rename, a delete or the name's reuse
 * (here through a second service on the same store, as another gateway node would), a name resolves exactly as a
 * fresh lookup would.
 */
import { describe, expect, it } from "vitest";
import { createAgentService } from "../../gateway/src/domain/agents.ts";
import type { Caller } from "../../gateway/src/domain/caller.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

const ada: Caller = { tokenId: "t1", user: "ada", kind: "user", scopes: ["call"] };
const fields = { description: "", type: "exec", visibility: "private" as const, capabilities: [] };

describe("agents by name", () => {
  it("follows renames, deletes and reused names made elsewhere", async () => {
    const store = memorySessionStore({});
    const here = createAgentService(store);
    const elsewhere = createAgentService(store);
    const first = await elsewhere.create("ada", { name: "Reviewer", ...fields });
    expect((await here.resolve(ada, "reviewer")).id).toBe(first.id);
    expect((await here.resolve(ada, "REVIEWER")).id).toBe(first.id);

    await elsewhere.update(first, { name: "critic" });
    await expect(here.resolve(ada, "reviewer")).rejects.toMatchObject({ code: "agent_not_found" });
    expect((await here.resolve(ada, "critic")).id).toBe(first.id);

    const second = await elsewhere.create("ada", { name: "reviewer", ...fields });
    expect((await here.resolve(ada, "reviewer")).id).toBe(second.id);

    await elsewhere.remove(second);
    await expect(here.resolve(ada, "reviewer")).rejects.toMatchObject({ code: "agent_not_found" });
    const third = await elsewhere.create("ada", { name: "reviewer", ...fields });
    expect((await here.resolve(ada, "reviewer")).id).toBe(third.id);
    expect((await here.resolve(ada, third.id)).name).toBe("reviewer");
  });

  it("reads one record per call by a name it found before", async () => {
    const store = memorySessionStore({});
    const reads: string[] = [];
    const counting: SessionStore = {
      ...store,
      get(key) {
        reads.push(key);
        return store.get(key);
      },
    };
    const agents = createAgentService(counting);
    const agent = await agents.create("ada", { name: "echo", ...fields });
    await agents.resolve(ada, "echo");
    reads.length = 0;
    await agents.resolve(ada, "echo");
    expect(reads).toEqual([`agent:${agent.id}`]);
  });
});
