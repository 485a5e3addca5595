import { afterAll, describe, expect, it } from "vitest";
import { clusterConfigFromEnv } from "../../runtimes/shared/cluster-config.ts";
import { createStoresFromEnv } from "../../runtimes/shared/store-from-env.ts";
import { startFakeS3 } from "../fakes/s3.ts";
import { startGateway } from "../helpers/gateway-process.ts";

const s3 = await startFakeS3();
afterAll(() => s3.stop());

describe("AGENT_MESH_BLOBS", () => {
  it("follows the session store by default: memory, and the store itself for redis/upstash", async () => {
    const memory = await createStoresFromEnv({ AGENT_MESH_STORE: "memory" });
    expect(memory.blobs.name).toBe("memory");
    await memory.store.dispose();
    const inStore = await createStoresFromEnv({ AGENT_MESH_STORE: "memory", AGENT_MESH_BLOBS: "store" });
    expect(inStore.blobs.name).toBe("kv:memory");
    await inStore.blobs.put("att:a", Uint8Array.of(9));
    expect(await inStore.store.keys("blob:")).toEqual(["blob:att:a"]);
    await inStore.store.dispose();
  });

  it("puts blobs in an S3-compatible bucket with AGENT_MESH_BLOBS=s3", async () => {
    const { store, blobs } = await createStoresFromEnv({
      AGENT_MESH_STORE: "memory",
      AGENT_MESH_BLOBS: "s3",
      AGENT_MESH_S3_ENDPOINT: s3.endpoint,
      AGENT_MESH_S3_BUCKET: s3.bucket,
      AGENT_MESH_S3_REGION: s3.region,
      AGENT_MESH_S3_ACCESS_KEY_ID: s3.accessKeyId,
      AGENT_MESH_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    });
    expect(blobs.name).toBe("s3");
    await blobs.put("skill:alice:demo", Uint8Array.of(1, 2, 3));
    expect(s3.keys()).toContain("skill/alice/demo");
    expect(Array.from((await blobs.get("skill:alice:demo"))!)).toEqual([1, 2, 3]);
    await store.dispose();
  });

  it("names the variable to set when the blob config is wrong", async () => {
    await expect(
      createStoresFromEnv({ AGENT_MESH_STORE: "memory", AGENT_MESH_BLOBS: "gcs" }),
    ).rejects.toThrow(/set it to one of store, fs, memory, s3/);
    await expect(createStoresFromEnv({ AGENT_MESH_STORE: "memory", AGENT_MESH_BLOBS: "s3" })).rejects.toThrow(
      /set AGENT_MESH_S3_ENDPOINT/,
    );
  });
});

describe("AGENT_MESH_CLUSTER", () => {
  it("is off when unset and refuses anything that cannot be shared, saying why", () => {
    expect(clusterConfigFromEnv({})).toBeNull();
    expect(() => clusterConfigFromEnv({ AGENT_MESH_CLUSTER: "etcd" })).toThrow(/not a cluster mode/);
    expect(() => clusterConfigFromEnv({ AGENT_MESH_CLUSTER: "redis", AGENT_MESH_STORE: "fs" })).toThrow(
      /needs AGENT_MESH_STORE=redis .*every node must share one store/,
    );
    expect(() =>
      clusterConfigFromEnv({
        AGENT_MESH_CLUSTER: "redis",
        AGENT_MESH_STORE: "redis",
        AGENT_MESH_BLOBS: "fs",
      }),
    ).toThrow(
      /would stay on this node, and a caller the load balancer sends to another node would not find them/,
    );
    const shared = {
      AGENT_MESH_CLUSTER: "redis",
      AGENT_MESH_STORE: "redis",
      REDIS_URL: "redis://127.0.0.1:6379",
    };
    for (const blobs of [undefined, "store", "s3"]) {
      expect(clusterConfigFromEnv({ ...shared, AGENT_MESH_BLOBS: blobs })?.nodeId).toMatch(
        /^node-[0-9a-f]{8}$/,
      );
    }
    expect(clusterConfigFromEnv({ ...shared, AGENT_MESH_NODE_ID: "n1" })).toEqual({
      redisUrl: "redis://127.0.0.1:6379",
      nodeId: "n1",
      prefix: "agent-mesh:",
    });
    expect(() => clusterConfigFromEnv({ ...shared, AGENT_MESH_NODE_ID: "a|b" })).toThrow(/is not a node id/);
    expect(() => clusterConfigFromEnv({ ...shared, REDIS_URL: "" })).toThrow(/needs REDIS_URL/);
  });

  it("a node with a node-local blob store exits at start with that sentence", async () => {
    const started = startGateway({
      runtime: "bun",
      store: "redis",
      env: { AGENT_MESH_CLUSTER: "redis", REDIS_URL: "redis://127.0.0.1:1", AGENT_MESH_BLOBS: "fs" },
    });
    await expect(started).rejects.toThrow(
      /gateway exited with 1[\s\S]*cannot keep blobs with AGENT_MESH_BLOBS=fs/,
    );
  });
});
