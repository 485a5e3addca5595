/**
 * A new store needs none of the once-per-deployment index passes: the gateway's first boot marks them done when
 * none of the keys they read exist yet, so the first listing does not read every agent this version already
 * indexed. A store an older version wrote to keeps them, and its first listing indexes what that version left.
 */
import { describe, expect, it } from "vitest";
import { INDEX_PASSES, STORE_CHECKED } from "../../gateway/src/domain/index-passes.ts";
import { agentRecord } from "../helpers/fixtures.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";
import { countingScans, storesForIndexes } from "../helpers/store-harness.ts";

for (const { name, open } of await storesForIndexes()) {
  describe(`index passes on ${name}`, () => {
    it("a new store's first boot marks every pass done, and the first listing reads no agent to index it", async () => {
      const subject = await open();
      try {
        const { store, scans } = countingScans(subject.store);
        const gateway = inProcessGateway({ store });
        await gateway.init();
        for (const pass of INDEX_PASSES) expect(await subject.store.get(pass.marker)).not.toBeNull();
        const admin = inProcessApi(gateway, IN_PROCESS_ADMIN_TOKEN);
        for (const agent of ["b", "a", "c"]) {
          expect((await admin.post("/v1/agents", { name: `fleet-${agent}` })).status).toBe(201);
        }
        scans.length = 0;
        const listed = await admin.get("/v1/agents?limit=10");
        expect(listed.status).toBe(200);
        expect(listed.body.agents.map((a: { name: string }) => a.name)).toEqual([
          "fleet-a",
          "fleet-b",
          "fleet-c",
        ]);
        // The directory's pass would have listed `agent:` to index them again.
        expect(scans).not.toContain("agent:");
        gateway.dispose();
      } finally {
        await subject.cleanup();
      }
    });

    it("a store an older version wrote to keeps its passes: the first listing indexes the agents it left", async () => {
      const subject = await open();
      try {
        // As a version before the directory's index left it: the record and its name claim, no index entries.
        const id = "ag_0123456789abcdef";
        await subject.store.set(`agent:${id}`, agentRecord({ id, owner: "admin", name: "older" }));
        await subject.store.set("agent-name:older", id);
        const gateway = inProcessGateway({ store: subject.store });
        await gateway.init();
        expect(await subject.store.get(STORE_CHECKED)).not.toBeNull();
        for (const pass of INDEX_PASSES) expect(await subject.store.get(pass.marker)).toBeNull();
        const listed = await inProcessApi(gateway, IN_PROCESS_ADMIN_TOKEN).get("/v1/agents?limit=10");
        expect(listed.body.agents.map((a: { name: string }) => a.name)).toEqual(["older"]);
        gateway.dispose();
      } finally {
        await subject.cleanup();
      }
    });

    it("checks a store once: a later boot reads the mark and looks at no keys", async () => {
      const subject = await open();
      try {
        const firstBoot = countingScans(subject.store);
        const first = inProcessGateway({ store: firstBoot.store });
        await first.init();
        first.dispose();
        // The first boot looks at every prefix (all empty here); a later one only reads the mark.
        expect(firstBoot.scans).toEqual(INDEX_PASSES.map((pass) => pass.reads));
        const laterBoot = countingScans(subject.store);
        const later = inProcessGateway({ store: laterBoot.store });
        await later.init();
        later.dispose();
        expect(laterBoot.scans).toEqual([]);
      } finally {
        await subject.cleanup();
      }
    });
  });
}
