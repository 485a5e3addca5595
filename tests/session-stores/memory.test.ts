import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { testSessionStore } from "../contracts/session-store.ts";

testSessionStore(
  "memory",
  async () => {
    const store = memorySessionStore({});
    return { store, cleanup: () => store.dispose() };
  },
  { listing: "key ranges" },
);
