/**
 * The contract every BlobStore backend passes; one call per backend from tests/blob-stores/<name>.test.ts (Node)
 * or tests/cloudflare/ (workerd). Web APIs only.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BlobStore } from "../../gateway/src/blob-stores/types.ts";

export interface BlobStoreUnderTest {
  blobs: BlobStore;
  cleanup(): Promise<void>;
  /** Durable backends: a second instance over the same data. */
  reopen?(): Promise<BlobStore>;
  /** Lets `seconds` pass for the store: moves the clock it was given on; without it, a real wait. */
  elapse?(seconds: number): Promise<void>;
}

export interface BlobStoreContractOptions {
  durable?: boolean;
  /**
   * `"dropped"`: a blob put with a TTL is gone once it has passed (memory, kv, fs). Otherwise why the expiry test is
   * skipped (S3 leaves expiry to the bucket's lifecycle rules; Workers KV takes no TTL under 60 s).
   */
  expiry?: "dropped" | { skip: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every byte value 0–255 a few times, so encodings that mangle binary data fail. */
function sampleBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + 3) % 256);
}

/**
 * @example
 * testBlobStore("memory", async () => { const blobs = memoryBlobStore(); return { blobs, cleanup: () => blobs.dispose() }; });
 */
export function testBlobStore(
  name: string,
  open: () => Promise<BlobStoreUnderTest>,
  options: BlobStoreContractOptions = {},
): void {
  describe(`blob store contract: ${name}`, () => {
    let subject: BlobStoreUnderTest;
    let blobs: BlobStore;
    beforeEach(async () => {
      subject = await open();
      blobs = subject.blobs;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it("round-trips binary data, empty blobs and a 1 MiB blob", async () => {
      const small = sampleBytes(1000);
      const large = sampleBytes(1024 * 1024);
      await blobs.put("skill:alice:demo:1.0.0", small);
      await blobs.put("empty", new Uint8Array(0));
      await blobs.put("large", large);
      const read = await blobs.get("skill:alice:demo:1.0.0");
      expect(read).toBeInstanceOf(Uint8Array);
      expect(Array.from(read!)).toEqual(Array.from(small));
      expect((await blobs.get("empty"))?.byteLength).toBe(0);
      const readLarge = await blobs.get("large");
      expect(readLarge?.byteLength).toBe(large.byteLength);
      expect(readLarge!.every((byte, i) => byte === large[i])).toBe(true);
    });

    it("returns null for missing keys, overwrites, deletes", async () => {
      expect(await blobs.get("missing")).toBeNull();
      await blobs.put("a", Uint8Array.of(1));
      await blobs.put("a", Uint8Array.of(2, 3));
      expect(Array.from((await blobs.get("a"))!)).toEqual([2, 3]);
      await blobs.delete("a");
      expect(await blobs.get("a")).toBeNull();
      await blobs.delete("a");
    });

    it("keeps a key apart from keys it prefixes", async () => {
      await blobs.put("att:abc", Uint8Array.of(1));
      await blobs.put("att:abc:thumb", Uint8Array.of(2));
      expect(Array.from((await blobs.get("att:abc"))!)).toEqual([1]);
      expect(Array.from((await blobs.get("att:abc:thumb"))!)).toEqual([2]);
    });

    it("stores a copy: changing the buffer after put changes nothing", async () => {
      const data = Uint8Array.of(1, 2, 3);
      await blobs.put("copy", data);
      data[0] = 9;
      expect(Array.from((await blobs.get("copy"))!)).toEqual([1, 2, 3]);
    });

    it("rejects invalid keys", async () => {
      for (const key of ["../x", "a/b", "", "a::b"]) {
        await expect(blobs.put(key, Uint8Array.of(1)), key).rejects.toThrow(/invalid key/);
        await expect(blobs.get(key), key).rejects.toThrow(/invalid key/);
        await expect(blobs.delete(key), key).rejects.toThrow(/invalid key/);
      }
    });

    it("takes a put with a TTL and answers it until the TTL has passed", async () => {
      await blobs.put("attachment:r1:short", Uint8Array.of(1), { ttl: 1 });
      await blobs.put("attachment:r1:long", Uint8Array.of(2), { ttl: 7 * 24 * 3600 });
      expect(Array.from((await blobs.get("attachment:r1:short"))!)).toEqual([1]);
      expect(Array.from((await blobs.get("attachment:r1:long"))!)).toEqual([2]);
    });

    it("drops a blob once its TTL has passed and keeps one put without a TTL", async (context) => {
      const expiry = options.expiry ?? { skip: `${name} declares no expiry to test` };
      if (expiry !== "dropped") return context.skip(expiry.skip);
      await blobs.put("attachment:r1:short", Uint8Array.of(1), { ttl: 1 });
      await blobs.put("skill:alice:demo:1.0.0", Uint8Array.of(2));
      await (subject.elapse?.(1.2) ?? sleep(1200));
      // A backend may drop it in the background: fs deletes it in the sweep that the next read starts.
      await vi.waitFor(async () => expect(await blobs.get("attachment:r1:short")).toBeNull(), {
        timeout: 2000,
      });
      expect(Array.from((await blobs.get("skill:alice:demo:1.0.0"))!)).toEqual([2]);
    });

    if (!options.durable) return;
    it("keeps blobs when the store is opened again", async () => {
      if (!subject.reopen) throw new Error(`${name} is declared durable but its harness has no reopen()`);
      await blobs.put("durable", Uint8Array.of(4, 5, 6));
      const again = await subject.reopen();
      expect(Array.from((await again.get("durable"))!)).toEqual([4, 5, 6]);
    });
  });
}
