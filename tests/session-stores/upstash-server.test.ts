import { Redis } from "@upstash/redis";
import { describe, expect, it } from "vitest";
import { redisForFile } from "../helpers/store-harness.ts";

// The Upstash test server is a part the upstash tests rely on; check it speaks the protocol the client expects.
const redis = await redisForFile({ upstash: true });
if (redis?.upstash) {
  const server = redis.upstash;
  describe("upstash test server", () => {
    const client = new Redis({ url: server.url, token: server.token, enableTelemetry: false });

    it("answers single commands with base64-encoded results, nested ones too", async () => {
      await client.set("uts:a", "héllo", { ex: 30 });
      expect(await client.get("uts:a")).toBe("héllo");
      expect(await client.ttl("uts:a")).toBeGreaterThan(0);
      await client.set("uts:b", "x");
      expect(await client.mget("uts:a", "uts:b", "uts:none")).toEqual(["héllo", "x", null]);
      expect(await client.incr("uts:n")).toBe(1);
      expect(await client.set("uts:a", "other", { nx: true })).toBeNull();
    });

    it("runs pipelines and multi-exec transactions", async () => {
      const pipeline = client.pipeline();
      pipeline.set("uts:p", "1");
      pipeline.incr("uts:p");
      pipeline.get("uts:p");
      expect(await pipeline.exec()).toEqual(["OK", 2, 2]);
      const transaction = client.multi();
      transaction.incr("uts:m");
      transaction.incrby("uts:m", 4);
      expect(await transaction.exec()).toEqual([1, 5]);
      await client.del("uts:a", "uts:b", "uts:n", "uts:p", "uts:m");
    });

    it("rejects a wrong bearer token with 401", async () => {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { authorization: "Bearer wrong" },
        body: JSON.stringify(["PING"]),
      });
      expect(response.status).toBe(401);
      const wrong = new Redis({ url: server.url, token: "wrong", enableTelemetry: false, retry: false });
      await expect(wrong.get("uts:a")).rejects.toThrow(/Unauthorized/);
    });
  });
}
