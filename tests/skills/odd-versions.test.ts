/**
 * Versions that come from URLs and bodies and were never publishable (missing, empty, `%zz`, build metadata, not
 * semver) get a 4xx with a stable code. Each answered 500 internal_error (an invalid store key); found by tests/fuzz.
 */
import { describe, expect, it } from "vitest";
import { createTestRegistry, skillZip } from "./helpers.ts";

async function registryWithOneVersion() {
  const registry = createTestRegistry();
  expect((await registry.publish("alice", "w", "1.0.0", skillZip("w", "1.0.0"))).status).toBe(201);
  return registry;
}

describe("odd versions", () => {
  it.each([
    ["/alice/w/-/undefined", 404, "archive_not_found"],
    ["/alice/w/-/w-%25.zip", 404, "archive_not_found"],
    ["/alice/w/-/w-a%20b.zip", 404, "archive_not_found"],
    ["/alice/w/-/w-1.0.0+x.zip", 404, "archive_not_found"],
    ["/nobody/w/-/undefined", 404, "archive_not_found"],
    ["/alice/w/%zz", 400, "version_invalid"],
  ])("GET %s → %i %s", async (path, status, code) => {
    const { call } = await registryWithOneVersion();
    const res = await call("GET", path);
    expect([res.status, res.body?.error?.code]).toEqual([status, code]);
  });

  it.each(["%zz", "not-semver", "1.0.0+x"])("unpublishing %s → 404 version_not_found", async (version) => {
    const { call } = await registryWithOneVersion();
    const res = await call("DELETE", `/alice/w/${version}`, { token: "alice-token" });
    expect([res.status, res.body?.error?.code]).toEqual([404, "version_not_found"]);
  });

  it.each([
    [{}, "version_invalid"],
    [{ version: 1 }, "version_invalid"],
    [{ version: "" }, "version_invalid"],
    [{ version: "1.0.0+x" }, "version_invalid"],
    [{ version: "2.0.0" }, "version_not_found"],
  ])("a dist-tag to %j → %s", async (json, code) => {
    const { call } = await registryWithOneVersion();
    const res = await call("PUT", "/alice/w/-/dist-tags/beta", { token: "alice-token", json });
    expect(res.body?.error?.code).toBe(code);
    expect(res.status).toBeLessThan(500);
  });
});
