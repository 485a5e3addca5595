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
  { durable: true },
);
