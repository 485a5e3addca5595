import { env } from "cloudflare:workers";
import { cloudflareKvBlobStore } from "../../gateway/src/blob-stores/cloudflare-kv.ts";
import { testBlobStore } from "../contracts/blob-store.ts";

// A fresh key prefix per test keeps tests apart inside the one KV namespace.
testBlobStore(
  "cloudflare-kv",
  async () => {
    const prefix = `t${crypto.randomUUID().replaceAll("-", "")}`;
    const blobs = cloudflareKvBlobStore({ namespace: env.BLOBS, prefix });
    return {
      blobs,
      reopen: async () => cloudflareKvBlobStore({ namespace: env.BLOBS, prefix }),
      cleanup: () => blobs.dispose(),
    };
  },
  {
    durable: true,
    // A TTL put is checked to be taken; waiting it out is not: KV's shortest expiry is 60 s.
    expiry: {
      skip: "Workers KV expires a blob no sooner than 60 s after its put, too long to wait out in a test",
    },
  },
);
