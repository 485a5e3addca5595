/**
 * `last_seen` at a hello (issue 11, reconnect storms): an agent seen within PRESENCE_REFRESH_MS keeps its record as
 * it is, so a wave of reconnects after a gateway restart rewrites no agent records; an older or missing `last_seen`
 * is written.
 */
import { describe, expect, it } from "vitest";
import { createAgentService, PRESENCE_REFRESH_MS } from "../../gateway/src/domain/agents.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

/** The real memory store, counting writes of agent records (plain sets and compare-and-set updates). */
function countingStore(store: SessionStore) {
  const counts = { agentWrites: 0 };
  const counted: SessionStore = {
    ...store,
    set(key, value, options) {
      if (key.startsWith("agent:")) counts.agentWrites++;
      return store.set(key, value, options);
    },
    async update(key, step) {
      const result = await store.update(key, step);
      if (key.startsWith("agent:") && result.changed) counts.agentWrites++;
      return result;
    },
  };
  return { store: counted, counts };
}

const input = {
  name: "bot",
  description: "",
  type: "exec",
  visibility: "private" as const,
  capabilities: [],
};

describe("last_seen at a hello", () => {
  it("writes a missing or stale last_seen and leaves a fresh one alone", async () => {
    const { store, counts } = countingStore(memorySessionStore({}));
    const agents = createAgentService(store);
    const created = await agents.create("ada", input);
    const writesAfterCreate = counts.agentWrites;

    await agents.seenAtHello(created); // never seen: written
    expect(counts.agentWrites).toBe(writesAfterCreate + 1);
    const seen = (await agents.getById(created.id))!;
    expect(seen.last_seen).not.toBeNull();

    const seenAt = Date.parse(seen.last_seen!);
    await agents.seenAtHello(seen, seenAt + PRESENCE_REFRESH_MS - 1); // fresh: nothing written
    expect(counts.agentWrites).toBe(writesAfterCreate + 1);

    await agents.seenAtHello(seen, seenAt + PRESENCE_REFRESH_MS); // stale: written again
    expect(counts.agentWrites).toBe(writesAfterCreate + 2);

    await agents.seenAtHello(seen, seenAt - 10_000); // last_seen in the future (clock jumped back): written
    expect(counts.agentWrites).toBe(writesAfterCreate + 3);
  });

  it("keeps what was changed since the hello read the record", async () => {
    const agents = createAgentService(memorySessionStore({}));
    const created = await agents.create("ada", input);
    await agents.update(created, { description: "changed after the hello read it" });
    await agents.seenAtHello(created);
    const now = (await agents.getById(created.id))!;
    expect(now.description).toBe("changed after the hello read it");
    expect(now.last_seen).not.toBeNull();
  });
});
