/**
 * What the gateway tells an operator about the Redis it stores in: read from a real `redis-server`'s CONFIG, for
 * each setting that decides what an acknowledged task survives, and printed at start by a real gateway process.
 */
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { type RedisSessionStore, redisSessionStore } from "../../gateway/src/session-stores/redis.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { startRedis } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/wait.ts";

const server = await startRedis({ ownDir: true });
const admin = server ? new Redis(server.url) : null;
const stores: RedisSessionStore[] = [];

afterAll(async () => {
  for (const store of stores) await store.dispose();
  admin?.disconnect();
  await server?.stop();
});

/** The notes a store on `url` gives, after the server's settings were changed to `settings`. */
async function notesWith(settings: Record<string, string>, url = server!.url): Promise<string> {
  for (const [name, value] of Object.entries(settings)) await admin!.config("SET", name, value);
  const store = redisSessionStore({ url });
  stores.push(store);
  return (await store.persistenceNotes()).join("\n");
}

describe.runIf(server)("redis persistence notes", () => {
  it("says that nothing survives a restart of a Redis with neither an append-only file nor snapshots", async () => {
    const notes = await notesWith({ appendonly: "no", save: "" });
    expect(notes).toContain(`The session store is redis at 127.0.0.1:${new URL(server!.url).port}`);
    expect(notes).toMatch(
      /keeps no append-only file and takes no snapshots .* everything the gateway stored is gone/,
    );
    expect(notes).toContain("Set appendonly yes");
  });

  it("says what snapshots alone lose", async () => {
    const notes = await notesWith({ appendonly: "no", save: "3600 1" });
    expect(notes).toMatch(
      /only snapshots \(appendonly no, save "3600 1"\): a crash of Redis loses the tasks/,
    );
  });

  it("tells each appendfsync apart", async () => {
    expect(await notesWith({ appendonly: "yes", appendfsync: "everysec" })).toMatch(
      /once a second \(appendfsync everysec\): a crash of Redis may lose the last write, a power cut .* last second/,
    );
    expect(await notesWith({ appendfsync: "no" })).toMatch(/leaves syncing .* to the OS \(appendfsync no\)/);
    const always = await notesWith({ appendfsync: "always" });
    expect(always).toContain(
      "before each answer (appendfsync always), so an acknowledged task survives a power cut",
    );
    expect(always).not.toMatch(/WARNING|Set appendonly/);
  });

  it("warns about a maxmemory-policy that evicts, and not about noeviction", async () => {
    const lru = await notesWith({ "maxmemory-policy": "allkeys-lru" });
    expect(lru).toMatch(/WARNING: redis at .* evicts keys .* \(maxmemory-policy allkeys-lru\)/);
    expect(lru).toContain("Set maxmemory-policy noeviction");
    expect(await notesWith({ "maxmemory-policy": "noeviction" })).not.toContain("WARNING");
  });

  it("says so when the server does not let it read CONFIG (an ACL user without it, as on managed services)", async () => {
    await admin!.call("ACL", "SETUSER", "limited", "on", ">secret", "~*", "&*", "+@all", "-config");
    const port = new URL(server!.url).port;
    const notes = await notesWith({}, `redis://limited:secret@127.0.0.1:${port}`);
    expect(notes).toMatch(/persistence settings could not be read \(CONFIG GET: NOPERM/);
    // The store itself works for that user.
    const store = stores.at(-1)!;
    await store.set("acl-check", 1);
    expect(await store.get("acl-check")).toBe(1);
  });

  describe("a gateway on that Redis", () => {
    let gateway: GatewayProcess | undefined;
    afterAll(async () => gateway?.stop());

    it("prints what an acknowledged task survives when it starts", async () => {
      await admin!.config("SET", "appendonly", "yes");
      await admin!.config("SET", "appendfsync", "everysec");
      await admin!.config("SET", "maxmemory-policy", "volatile-lru");
      gateway = await startGateway({ runtime: "node", store: "redis", env: { REDIS_URL: server!.url } });
      await waitFor(() => gateway!.output().includes("maxmemory-policy volatile-lru"), {
        what: "the persistence notes in the gateway's output",
      });
      expect(gateway.output()).toContain("appendfsync everysec");
      const health = await fetch(`${gateway.url}/health`);
      expect(health.status).toBe(200);
    });
  });
});
