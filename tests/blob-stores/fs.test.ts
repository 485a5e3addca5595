import { testBlobStore } from "../contracts/blob-store.ts";
import { fsBlobHarness } from "../helpers/store-harness.ts";

testBlobStore("fs", fsBlobHarness, { durable: true });
