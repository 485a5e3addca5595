/** Contract tests of the registry through its `fetch`: publish, immutability, tags, deprecation, unpublish, search. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestRegistry, skillMd, skillZip, zip } from "./helpers.ts";

describe("publishing", () => {
  it("publishes a version and serves an npm-like package document", async () => {
    const { publish, call } = createTestRegistry();
    const published = await publish(
      "alice",
      "hello",
      "1.0.0",
      skillZip("hello", "1.0.0", { "references/a.md": "A" }),
    );
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({
      name: "alice/hello",
      version: "1.0.0",
      file_count: 2,
      "dist-tags": { latest: "1.0.0" },
    });
    const doc = (await call("GET", "/alice/hello")).body;
    expect(doc).toMatchObject({
      name: "alice/hello",
      description: "The hello skill, for tests.",
      "dist-tags": { latest: "1.0.0" },
      downloads: 0,
    });
    expect(doc.versions["1.0.0"]).toMatchObject({
      integrity: published.body.integrity,
      file_count: 2,
      size: published.body.size,
    });
    expect(doc.versions["1.0.0"].integrity).toMatch(/^sha512-[A-Za-z0-9+/]+=*$/);
    expect(doc.versions["1.0.0"].published_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("serves the archive with its integrity in headers, matching the document, and counts downloads", async () => {
    const { publish, call } = createTestRegistry();
    const { body } = await publish("alice", "hello", "1.0.0", skillZip("hello", "1.0.0"));
    const archive = await call("GET", "/alice/hello/-/hello-1.0.0.zip");
    const bytes = new Uint8Array(await archive.response.arrayBuffer());
    const sri = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
    expect(sri).toBe(body.integrity);
    expect(archive.headers.get("x-skill-integrity")).toBe(sri);
    expect(archive.headers.get("repr-digest")).toBe(`sha-512=:${sri.slice(7)}:`);
    expect((await call("GET", "/alice/hello")).body.downloads).toBe(1);
    expect((await call("HEAD", "/alice/hello/-/hello-1.0.0.zip")).status).toBe(200);
  });

  it("packs deterministically: the same files in another order give the same integrity", async () => {
    const one = createTestRegistry();
    const two = createTestRegistry();
    const a = await one.publish(
      "alice",
      "hello",
      "1.0.0",
      zip({ "SKILL.md": skillMd("hello", "1.0.0"), "b.md": "b", "a.md": "a" }),
    );
    const b = await two.publish(
      "alice",
      "hello",
      "1.0.0",
      zip({ "a.md": "a", "b.md": "b", "SKILL.md": skillMd("hello", "1.0.0") }),
    );
    expect(a.body.integrity).toBe(b.body.integrity);
  });

  it("refuses to re-publish a version, even after it was unpublished", async () => {
    const { publish, call } = createTestRegistry();
    await publish("alice", "hello", "1.0.0", skillZip("hello", "1.0.0"));
    const again = await publish("alice", "hello", "1.0.0", skillZip("hello", "1.0.0"));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("version_exists");
    expect((await call("DELETE", "/alice/hello/1.0.0", { token: "alice-token" })).status).toBe(200);
    expect((await call("GET", "/alice/hello/1.0.0")).status).toBe(410);
    const reused = await publish(
      "alice",
      "hello",
      "1.0.0",
      skillZip("hello", "1.0.0", { "new.md": "different" }),
    );
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ code: "version_exists" });
    expect(reused.body.error.message).toContain("unpublished");
    expect((await call("GET", "/alice/hello")).body.unpublished).toHaveProperty("1.0.0");
  });

  it("lets exactly one of many concurrent publishes of one version win", async () => {
    const { publish, call } = createTestRegistry();
    const attempts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        publish("alice", "race", "1.0.0", skillZip("race", "1.0.0", { "n.md": String(i) })),
      ),
    );
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(1);
    expect(attempts.filter((a) => a.status === 409)).toHaveLength(11);
    const winner = attempts.find((a) => a.status === 201)!.body.integrity;
    const bytes = new Uint8Array(
      await (await call("GET", "/alice/race/-/race-1.0.0.zip")).response.arrayBuffer(),
    );
    expect(`sha512-${createHash("sha512").update(bytes).digest("base64")}`).toBe(winner);
  });

  it("requires semver, a token, the publish scope and the token's own author name", async () => {
    const { publish } = createTestRegistry();
    const zipped = skillZip("hello", "1.0.0");
    expect((await publish("alice", "hello", "1.0", zipped)).body.error.code).toBe("version_invalid");
    expect((await publish("alice", "hello", "1.0.0+build", zipped)).body.error.code).toBe("version_invalid");
    const anonymous = await publish("alice", "hello", "1.0.0", zipped, "");
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, "unauthorized"]);
    const reader = await publish("alice", "hello", "1.0.0", zipped, "reader-token");
    expect([reader.status, reader.body.error.code]).toEqual([403, "scope_missing"]);
    const impostor = await publish("alice", "hello", "1.0.0", zipped, "bob-token");
    expect([impostor.status, impostor.body.error.code]).toEqual([403, "author_mismatch"]);
    const badSlug = await publish("alice", "Hello_World", "1.0.0", zipped);
    expect(badSlug.status).toBe(404);
  });
});

describe("dist-tags, deprecation and unpublish", () => {
  it("moves latest up only, keeps --tag versions off latest, and manages tags", async () => {
    const { publish, call } = createTestRegistry();
    await publish("alice", "hello", "1.0.0", skillZip("hello", "1.0.0"));
    await publish("alice", "hello", "2.0.0", skillZip("hello", "2.0.0"));
    await publish("alice", "hello", "1.5.0", skillZip("hello", "1.5.0"));
    await publish("alice", "hello", "3.0.0-beta.1", skillZip("hello", "3.0.0-beta.1"), "alice-token", "next");
    expect((await call("GET", "/alice/hello/-/dist-tags")).body).toEqual({
      latest: "2.0.0",
      next: "3.0.0-beta.1",
    });
    const added = await call("PUT", "/alice/hello/-/dist-tags/stable", {
      token: "alice-token",
      json: { version: "1.5.0" },
    });
    expect(added.body).toMatchObject({ stable: "1.5.0" });
    expect((await call("GET", "/alice/hello/stable")).body.version).toBe("1.5.0");
    expect((await call("GET", "/alice/hello/^1")).body.version).toBe("1.5.0");
    expect(
      (
        await call("PUT", "/alice/hello/-/dist-tags/1.x", {
          token: "alice-token",
          json: { version: "1.5.0" },
        })
      ).body.error.code,
    ).toBe("tag_invalid");
    expect(
      (await call("DELETE", "/alice/hello/-/dist-tags/latest", { token: "alice-token" })).body.error.code,
    ).toBe("tag_protected");
    expect((await call("DELETE", "/alice/hello/-/dist-tags/stable", { token: "bob-token" })).status).toBe(
      403,
    );
    expect((await call("DELETE", "/alice/hello/-/dist-tags/stable", { token: "alice-token" })).body).toEqual({
      latest: "2.0.0",
      next: "3.0.0-beta.1",
    });
  });

  it("deprecates a range with a message and un-deprecates with an empty one", async () => {
    const { publish, call } = createTestRegistry();
    for (const v of ["1.0.0", "1.1.0", "2.0.0"]) await publish("alice", "hello", v, skillZip("hello", v));
    const result = await call("POST", "/alice/hello/-/deprecate", {
      token: "alice-token",
      json: { range: "<2", message: "use 2.x" },
    });
    expect(result.body.versions).toEqual(["1.0.0", "1.1.0"]);
    const doc = (await call("GET", "/alice/hello")).body;
    expect(doc.versions["1.0.0"].deprecated).toBe("use 2.x");
    expect(doc.versions["2.0.0"].deprecated).toBeUndefined();
    await call("POST", "/alice/hello/-/deprecate", {
      token: "alice-token",
      json: { range: "1.0.0", message: "" },
    });
    expect((await call("GET", "/alice/hello")).body.versions["1.0.0"].deprecated).toBeUndefined();
  });

  it("unpublishes only within 72 hours and moves latest back", async () => {
    const { publish, call, store } = createTestRegistry();
    await publish("alice", "hello", "1.0.0", skillZip("hello", "1.0.0"));
    await publish("alice", "hello", "1.1.0", skillZip("hello", "1.1.0"));
    expect((await call("DELETE", "/alice/hello/1.1.0", { token: "alice-token" })).status).toBe(200);
    expect((await call("GET", "/alice/hello")).body["dist-tags"]).toEqual({ latest: "1.0.0" });
    expect((await call("GET", "/alice/hello/-/hello-1.1.0.zip")).status).toBe(410);
    // Age the remaining version past the window through the real store.
    const key = "skills:v:alice:hello:1.0.0";
    const record = (await store.get<Record<string, unknown>>(key))!;
    await store.set(key, { ...record, published_at: new Date(Date.now() - 73 * 3600_000).toISOString() });
    const late = await call("DELETE", "/alice/hello/1.0.0", { token: "alice-token" });
    expect([late.status, late.body.error.code]).toEqual([409, "unpublish_window_passed"]);
    expect(late.body.error.message).toContain("deprecate");
  });
});

describe("finding skills", () => {
  it("searches name and description, filters by author, lists an author's skills", async () => {
    const { publish, call } = createTestRegistry();
    await publish(
      "alice",
      "git-helper",
      "1.0.0",
      zip({ "SKILL.md": skillMd("git-helper", "1.0.0", "", "Writes commit messages.") }),
    );
    await publish("alice", "tidy", "1.0.0", skillZip("tidy", "1.0.0"));
    await publish(
      "bob",
      "commit-lint",
      "1.0.0",
      zip({ "SKILL.md": skillMd("commit-lint", "1.0.0", "", "Checks commit style.") }),
    );
    const names = async (query: string) =>
      (await call("GET", `/-/search?${query}`)).body.results.map((r: { name: string }) => r.name);
    expect(await names("q=commit")).toEqual(["alice/git-helper", "bob/commit-lint"]);
    expect(await names("q=commit&author=bob")).toEqual(["bob/commit-lint"]);
    expect(await names("q=GIT")).toEqual(["alice/git-helper"]);
    expect(await names("q=nothing-matches")).toEqual([]);
    const listing = (await call("GET", "/alice")).body;
    expect(listing.skills.map((s: { slug: string }) => s.slug)).toEqual(["git-helper", "tidy"]);
  });

  it("serves the discovery index v0.2.0 with sha256 digests of the archives", async () => {
    const { publish, call } = createTestRegistry();
    await publish("alice", "hello", "1.0.0", skillZip("hello", "1.0.0"));
    await publish("alice", "hello", "1.1.0", skillZip("hello", "1.1.0"));
    const index = await call("GET", "/alice/.well-known/agent-skills/index.json");
    expect(index.headers.get("content-type")).toContain("application/json");
    expect(index.body.$schema).toBe("https://schemas.agentskills.io/discovery/0.2.0/schema.json");
    expect(index.body.skills).toHaveLength(1);
    const [entry] = index.body.skills;
    expect(entry).toMatchObject({
      name: "hello",
      type: "archive",
      description: "The hello skill, for tests.",
    });
    const url = new URL(entry.url, "http://registry.test/alice/.well-known/agent-skills/index.json");
    expect(url.pathname).toBe("/alice/hello/-/hello-1.1.0.zip");
    const bytes = new Uint8Array(await (await call("GET", url.pathname)).response.arrayBuffer());
    expect(entry.digest).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    expect((await call("GET", "/nobody/.well-known/agent-skills/index.json")).status).toBe(404);
  });

  it("answers unknown things with 404 and a stable error code", async () => {
    const { call } = createTestRegistry();
    const missing = await call("GET", "/alice/nothing");
    expect(missing.body).toEqual({ error: { code: "skill_not_found", message: 'no skill "alice/nothing"' } });
    expect((await call("GET", "/a/b/c/d/e")).body.error.code).toBe("not_found");
  });
});
