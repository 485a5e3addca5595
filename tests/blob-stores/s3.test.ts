import s3Driver from "unstorage/drivers/s3";
import { afterAll, expect, it } from "vitest";
import { unstorageBlobStore } from "../../gateway/src/blob-stores/unstorage.ts";
import { testBlobStore } from "../contracts/blob-store.ts";
import { startFakeS3 } from "../fakes/s3.ts";

const s3 = await startFakeS3();
afterAll(() => s3.stop());

const open = (secretAccessKey = s3.secretAccessKey) =>
  unstorageBlobStore({
    name: "s3",
    driver: s3Driver({
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey,
    }),
  });

testBlobStore(
  "s3 (unstorage driver)",
  async () => ({ blobs: open(), reopen: async () => open(), cleanup: async () => {} }),
  {
    durable: true,
    expiry: {
      skip: "S3 has no per-object TTL through unstorage: a bucket lifecycle rule on `attachment/` expires attachments (docs/storage.md)",
    },
  },
);

it("keeps keys as object paths and refuses a request signed with the wrong secret", async () => {
  const blobs = open();
  await blobs.put("att:abc:report.pdf", Uint8Array.of(1, 2));
  expect(s3.keys()).toContain("att/abc/report.pdf");
  await expect(open("wrong-secret").get("att:abc:report.pdf")).rejects.toThrow(/403/);
});
