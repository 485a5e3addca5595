import { memoryBlobStore } from "../../gateway/src/blob-stores/memory.ts";
import { testBlobStore } from "../contracts/blob-store.ts";

testBlobStore(
  "memory",
  async () => {
    const blobs = memoryBlobStore();
    return { blobs, cleanup: () => blobs.dispose() };
  },
  { expiry: "dropped" },
);
