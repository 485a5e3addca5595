/**
 * The admin's token listing on redis and upstash reads the sorted set of token ids, not a keyspace SCAN: a fleet
 * connected through tickets holds a token per agent. Tokens stored by a version without the index are indexed by
 * the first listing, once per deployment.
 */
import { describe, expect, it } from "vitest";
import { createTokenService, type TokenRecord } from "../../gateway/src/auth/tokens.ts";
import type { SessionStoreUnderTest } from "../contracts/session-store.ts";
import { countingScans, storesForIndexes } from "../helpers/store-harness.ts";

function tokenIndexSuite(name: string, open: () => Promise<SessionStoreUnderTest>, indexed: boolean) {
  describe(`token listing on ${name}`, () => {
    it("pages through every token by id without a keyspace scan", async () => {
      const subject = await open();
      try {
        const { store, scans, ranges } = countingScans(subject.store);
        const tokens = createTokenService(store);
        await tokens.page({ limit: 1 }); // the one-time pass finds nothing
        scans.length = 0;
        await tokens.ensureAdmin();
        const minted: string[] = [];
        for (let n = 0; n < 300; n++) {
          const kind = n % 10 === 0 ? "user" : "agent";
          minted.push((await tokens.mint({ user: "fleet", kind, scopes: ["call"] })).record.id);
        }
        const all: TokenRecord[] = [];
        let after: string | undefined;
        do {
          const page = await tokens.page({ limit: 64, after });
          all.push(...page.tokens);
          after = page.next ?? undefined;
        } while (after);
        expect(all.map((t) => t.id)).toEqual(["admin", ...minted].sort());
        const users = await tokens.page({ limit: 100, kinds: ["user", "admin"] });
        expect(users.tokens).toHaveLength(31);
        expect(scans).toEqual([]);
        if (!indexed) expect(ranges.length).toBeGreaterThan(0); // read a chunk (256 ids) at a time
        expect(ranges.every((prefix) => prefix === "token:")).toBe(true);
      } finally {
        await subject.cleanup();
      }
    });

    it("indexes tokens stored before the index on the first listing, once per deployment", async () => {
      const subject = await open();
      try {
        const old = await createTokenService(subject.store).mint({
          user: "old",
          kind: "user",
          scopes: ["call"],
        });
        if (indexed) await subject.store.sortedSets!.remove("tokens-all", old.record.id); // as the older version left it
        await subject.store.delete("meta:token-index");
        const first = countingScans(subject.store);
        const listed = await createTokenService(first.store).page({ limit: 10 });
        expect(listed.tokens.map((t) => t.id)).toEqual([old.record.id]);
        expect(first.scans).toEqual(indexed ? ["token:"] : []);
        const later = countingScans(subject.store);
        await createTokenService(later.store).page({ limit: 10 });
        expect(later.scans).toEqual([]);
      } finally {
        await subject.cleanup();
      }
    });
  });
}

for (const { name, open, indexed } of await storesForIndexes()) tokenIndexSuite(name, open, indexed);
