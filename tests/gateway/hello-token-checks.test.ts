/**
 * Token checks (`verifyForHello`, and `verify` with `reuseChecks`): a reconnect wave with one token reads the store
 * once, and no revocation is hidden by the memory: one made through the same service or announced by the hub applies at once,
 * one made by another gateway process sharing the store applies within HELLO_CHECK_TTL_MS.
 */
import { describe, expect, it } from "vitest";
import { createTokenService, HELLO_CHECK_TTL_MS } from "../../gateway/src/auth/tokens.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import type { SessionStore } from "../../gateway/src/session-stores/types.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real memory store, counting reads of token records. */
function countingStore(store: SessionStore) {
  const counts = { tokenReads: 0 };
  const counted: SessionStore = {
    ...store,
    get(key) {
      if (key.startsWith("token:")) counts.tokenReads++;
      return store.get(key);
    },
  };
  return { store: counted, counts };
}

async function userToken(tokens: ReturnType<typeof createTokenService>) {
  return tokens.mint({ user: "ada", kind: "user", scopes: ["connect"] });
}

describe("token checks for agent hellos", () => {
  it("answers a wave of hellos with one token from one store read", async () => {
    const { store, counts } = countingStore(memorySessionStore({}));
    const tokens = createTokenService(store);
    const { token } = await userToken(tokens);
    const checks = await Promise.all(Array.from({ length: 100 }, () => tokens.verifyForHello(token)));
    for (let i = 0; i < 100; i++) checks.push(await tokens.verifyForHello(token));
    expect(checks.every((check) => check.status === "ok")).toBe(true);
    // The first 100 run concurrently (each reads before any remembers); the next 100 are answered from memory.
    expect(counts.tokenReads).toBe(100);
    expect((await tokens.verifyForHello(`amk_nope_${"0".repeat(48)}`)).status).toBe("invalid");
  });

  it("answers a busy caller's requests from memory where told to, and never remembers a refusal", async () => {
    const plain = countingStore(memorySessionStore({}));
    const exact = createTokenService(plain.store);
    const minted = await userToken(exact);
    for (let i = 0; i < 3; i++) expect((await exact.verify(minted.token)).status).toBe("ok");
    expect(plain.counts.tokenReads).toBe(3); // without reuseChecks (Workers), every request reads the store

    const { store, counts } = countingStore(memorySessionStore({}));
    const tokens = createTokenService(store, { reuseChecks: true });
    const { token, record } = await userToken(tokens);
    for (let i = 0; i < 50; i++) expect((await tokens.verify(token)).status).toBe("ok");
    expect(counts.tokenReads).toBe(1);
    const remembered = await tokens.verify(token);
    expect(remembered).toMatchObject({ status: "ok", record: { id: record.id, user: "ada" } });
    const wrong = `amk_${record.id}_${"0".repeat(48)}`;
    expect((await tokens.verify(wrong)).status).toBe("invalid");
    expect((await tokens.verify(wrong)).status).toBe("invalid");
    expect(counts.tokenReads).toBe(3);
    await tokens.revoke(record.id);
    expect((await tokens.verify(token)).status).toBe("revoked");
    expect((await tokens.verify(token)).status).toBe("revoked");
  });

  it("refuses at once a token revoked through the same service or announced by the hub", async () => {
    const tokens = createTokenService(memorySessionStore({}));
    const { token, record } = await userToken(tokens);
    expect((await tokens.verifyForHello(token)).status).toBe("ok");
    await tokens.revoke(record.id);
    expect((await tokens.verifyForHello(token)).status).toBe("revoked");

    const shared = memorySessionStore({});
    const here = createTokenService(shared);
    const elsewhere = createTokenService(shared);
    const second = await userToken(here);
    expect((await here.verifyForHello(second.token)).status).toBe("ok");
    await elsewhere.revoke(second.record.id);
    here.forgetChecks(second.record.id); // what LocalAgentHome.disconnectToken does
    expect((await here.verifyForHello(second.token)).status).toBe("revoked");
  });

  it("sees a revocation made by another process within the check lifetime", async () => {
    const shared = memorySessionStore({});
    const here = createTokenService(shared);
    const elsewhere = createTokenService(shared);
    const { token, record } = await userToken(here);
    expect((await here.verifyForHello(token)).status).toBe("ok");
    await elsewhere.revoke(record.id);
    expect((await here.verifyForHello(token)).status).toBe("ok"); // remembered: this is the window
    await sleep(HELLO_CHECK_TTL_MS + 50);
    expect((await here.verifyForHello(token)).status).toBe("revoked");
    expect(HELLO_CHECK_TTL_MS).toBeLessThanOrEqual(1000);
  });

  it("does not remember a check that read the store before a revocation landed", async () => {
    const shared = memorySessionStore({});
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holdNextRead = false;
    const slow: SessionStore = {
      ...shared,
      async get(key) {
        const value = await shared.get(key);
        if (holdNextRead && key.startsWith("token:")) {
          holdNextRead = false;
          await gate; // the answer was read before the revocation, and arrives after it
        }
        return value as never;
      },
    };
    const tokens = createTokenService(slow);
    const { token, record } = await userToken(tokens);
    holdNextRead = true;
    const racing = tokens.verifyForHello(token);
    await tokens.revoke(record.id);
    release();
    expect((await racing).status).toBe("ok"); // it read the record before the revocation
    expect((await tokens.verifyForHello(token)).status).toBe("revoked");
  });
});
