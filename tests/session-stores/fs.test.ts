import { testSessionStore } from "../contracts/session-store.ts";
import { fsSessionHarness } from "../helpers/store-harness.ts";

testSessionStore("fs", fsSessionHarness, { durable: true, listing: "key ranges" });
