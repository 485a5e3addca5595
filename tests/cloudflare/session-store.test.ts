import { env } from "cloudflare:workers";
import { cloudflareSessionStore } from "../../gateway/src/session-stores/cloudflare.ts";
import { testSessionStore } from "../contracts/session-store.ts";

// One Durable Object instance per test (a fresh name), so tests never see each other's keys.
testSessionStore(
  "cloudflare",
  async () => {
    const name = crypto.randomUUID();
    const store = cloudflareSessionStore({ namespace: env.STORE, name });
    return {
      store,
      reopen: async () => cloudflareSessionStore({ namespace: env.STORE, name }),
      cleanup: async () => {
        for (const key of await store.keys("")) await store.delete(key);
      },
    };
  },
  { durable: true, sharedAcrossProcesses: true },
);
