/**
 * Refusals and messages of the registry found by the s56 exploration: YAML alias bombs, control characters in
 * printed front-matter text, zip CRCs and zip64 sentinels, and a group of codes and messages that were wrong or
 * inconsistent (archive_lost, range_invalid, GET /:author, hints for skill.md and gzip/tar, HEAD downloads, one
 * problem per fault, the total cap in the zip-bomb message, a dist-tag shown as typed).
 */
import { gzipSync, type Zippable, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { archiveKey } from "../../skills-registry/src/storage/registry-storage.ts";
import { createTestRegistry, skillMd, skillZip, zip } from "./helpers.ts";

const encoder = new TextEncoder();

/** The YAML of the exploration: nine levels of nine aliases each, far past the library's alias budget. */
const ALIAS_BOMB = [
  "---",
  "name: bomb",
  'description: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...["b", "c", "d", "e", "f", "g", "h", "i"].map(
    (key, i) => `${key}: &${key} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(",")}]`,
  ),
  "metadata:",
  '  version: "1.0.0"',
  "---",
  "",
].join("\n");

type Problem = { code: string; message: string; path?: string };

function problemsOf(body: { error: { problems?: Problem[] } }): Problem[] {
  return body.error.problems ?? [];
}

/** Offset of the central-directory record of `path` in an archive without a zip comment. */
function centralRecord(archive: Uint8Array, path: string): number {
  const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  const eocd = archive.length - 22;
  let offset = view.getUint32(eocd + 16, true);
  for (let i = 0; i < view.getUint16(eocd + 10, true); i++) {
    const nameLength = view.getUint16(offset + 28, true);
    const name = new TextDecoder().decode(archive.subarray(offset + 46, offset + 46 + nameLength));
    if (name === path) return offset;
    offset += 46 + nameLength + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
  throw new Error(`no ${path} in the archive`);
}

describe("SKILL.md front matter", () => {
  it("answers 422 frontmatter_invalid for a YAML alias bomb, not 500", async () => {
    const { publish } = createTestRegistry();
    const response = await publish("alice", "bomb", "1.0.0", zip({ "SKILL.md": ALIAS_BOMB }));
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("validation_failed");
    expect(problemsOf(response.body)).toContainEqual({
      code: "frontmatter_invalid",
      message: expect.stringContaining("too many YAML aliases"),
      path: "SKILL.md",
    });
  });

  it("refuses control characters in printed text and keeps line feeds and tabs", async () => {
    const { publish, call } = createTestRegistry();
    const hostile = skillMd(
      "evil",
      "1.0.0",
      'compatibility: "bash\\u0007"\nlicense: "MIT\\u009b"\n',
      '"safe \\e[2K\\rFAKE: alice/git-helper official"',
    );
    const refused = await publish("alice", "evil", "1.0.0", zip({ "SKILL.md": hostile }));
    expect(refused.status).toBe(422);
    const problems = problemsOf(refused.body).filter((p) => p.code === "frontmatter_control_char");
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^`description` contains the control character U\+001B/),
      expect.stringMatching(/^`compatibility` contains the control character U\+0007/),
      expect.stringMatching(/^`license` contains the control character U\+009B/),
    ]);
    const multiLine = skillMd("fine", "1.0.0", "", "|\n  Line one,\n  line two\twith a tab.");
    expect((await publish("alice", "fine", "1.0.0", zip({ "SKILL.md": multiLine }))).status).toBe(201);
    const deprecation = await call("POST", "/alice/fine/-/deprecate", {
      token: "alice-token",
      json: { message: "use \u001b[31mevil\u001b[0m" },
    });
    expect([deprecation.status, deprecation.body.error.code]).toEqual([400, "message_invalid"]);
  });

  it("reports a version that is not a string once, not also as missing", async () => {
    const { publish } = createTestRegistry();
    const text = skillMd("typed", "1.0.0").replace('version: "1.0.0"', 'version: !!int "1"');
    const response = await publish("alice", "typed", "1.0.0", zip({ "SKILL.md": text }));
    expect(problemsOf(response.body).map((p) => p.code)).toEqual(["version_invalid"]);
  });
});

describe("zip integrity", () => {
  it("refuses a stored entry whose bytes no longer match its CRC", async () => {
    const { publish } = createTestRegistry();
    const files: Zippable = {
      "SKILL.md": [encoder.encode(skillMd("crc", "1.0.0")), { level: 0 }],
      "a.txt": [encoder.encode("AAAAhelloAAAA"), { level: 0 }],
    };
    const archive = zipSync(files);
    const at = Buffer.from(archive).indexOf("AAAAhelloAAAA");
    archive.set(encoder.encode("AAAAHELLOAAAA"), at);
    const response = await publish("alice", "crc", "1.0.0", archive);
    expect(response.status).toBe(422);
    expect(problemsOf(response.body)).toEqual([
      { code: "archive_invalid", message: "CRC mismatch in a.txt", path: "a.txt" },
    ]);
  });

  it("refuses a deflated entry whose recorded CRC was changed", async () => {
    const { publish } = createTestRegistry();
    const archive = skillZip("crc", "1.0.0", { "a.txt": "hello ".repeat(100) });
    const record = centralRecord(archive, "a.txt");
    archive[record + 16] = archive[record + 16]! ^ 0xff;
    const response = await publish("alice", "crc", "1.0.0", archive);
    expect(problemsOf(response.body)).toEqual([
      { code: "archive_invalid", message: "CRC mismatch in a.txt", path: "a.txt" },
    ]);
  });

  it("refuses zip64 sentinels in an entry's sizes with archive_invalid", async () => {
    const { publish } = createTestRegistry();
    const archive = skillZip("big", "1.0.0", { "a.txt": "hello" });
    const record = centralRecord(archive, "a.txt");
    new DataView(archive.buffer).setUint32(record + 24, 0xffffffff, true);
    const response = await publish("alice", "big", "1.0.0", archive);
    expect(problemsOf(response.body)).toEqual([
      { code: "archive_invalid", message: "zip64 sizes or offsets are not supported", path: "a.txt" },
    ]);
  });
});

describe("codes and messages", () => {
  it("names the total cap when a zip bomb passes it", async () => {
    const { publish } = createTestRegistry();
    const archive = zip({
      "SKILL.md": skillMd("bomb", "1.0.0"),
      ...Object.fromEntries(
        Array.from({ length: 6 }, (_, i) => [`b${i}.bin`, new Uint8Array(4 * 1024 * 1024)]),
      ),
    });
    const response = await publish("alice", "bomb", "1.0.0", archive);
    expect(problemsOf(response.body)).toEqual([
      {
        code: "decompression_limit",
        message:
          "all files together unpack to more than 20971520 bytes (the total cap), reached at this file",
        path: "b4.bin",
      },
    ]);
  });

  it("hints at SKILL.md in capitals and at zip for a gzip or tar body", async () => {
    const { publish } = createTestRegistry();
    const lower = await publish("alice", "low", "1.0.0", zip({ "skill.md": skillMd("low", "1.0.0") }));
    expect(problemsOf(lower.body)[0]?.message).toBe(
      "SKILL.md is missing (found skill.md; the name must be SKILL.md, in capitals)",
    );
    const gzip = await publish("alice", "low", "1.0.0", gzipSync(encoder.encode("not a zip".repeat(10))));
    expect(problemsOf(gzip.body)[0]?.message).toContain(
      "this looks like gzip: the registry takes zip archives",
    );
    const tar = new Uint8Array(1024);
    tar.set(encoder.encode("ustar"), 257);
    const tarred = await publish("alice", "low", "1.0.0", tar);
    expect(problemsOf(tarred.body)[0]?.message).toContain(
      "this looks like tar: the registry takes zip archives",
    );
  });

  it("gives a lost stored archive its own code, archive_lost", async () => {
    const { publish, call, blobs } = createTestRegistry();
    const published = await publish("alice", "gone", "1.0.0", skillZip("gone", "1.0.0"));
    const { digest } = published.body as { digest: string };
    await blobs.delete(archiveKey({ author: "alice", slug: "gone", version: "1.0.0", digest }));
    const response = await call("GET", "/alice/gone/-/gone-1.0.0.zip");
    expect([response.status, response.body.error.code]).toEqual([500, "archive_lost"]);
  });

  it("answers 400 range_invalid for a malformed range, 404 for one nothing matches", async () => {
    const { publish, call } = createTestRegistry();
    await publish("alice", "ranged", "1.0.0", skillZip("ranged", "1.0.0"));
    const malformed = await call("GET", `/alice/ranged/${encodeURIComponent(">===1")}`);
    expect([malformed.status, malformed.body.error.code]).toEqual([400, "range_invalid"]);
    expect(malformed.body.error.message).toContain('">===1"');
    const unmatched = await call("GET", `/alice/ranged/${encodeURIComponent("^2")}`);
    expect([unmatched.status, unmatched.body.error.code]).toEqual([404, "version_not_found"]);
    expect((await call("GET", "/alice/ranged/nosuchtag")).body.error.code).toBe("version_not_found");
  });

  it("lists no skills for any author without skills, whatever the name", async () => {
    const { call } = createTestRegistry();
    for (const author of ["zzz", "Alice"]) {
      const response = await call("GET", `/${author}`);
      expect([response.status, response.body]).toEqual([200, { author, skills: [] }]);
    }
  });

  it("counts a download for GET of an archive, not for HEAD", async () => {
    const { publish, call } = createTestRegistry();
    await publish("alice", "counted", "1.0.0", skillZip("counted", "1.0.0"));
    const url = "/alice/counted/-/counted-1.0.0.zip";
    expect((await call("HEAD", url)).status).toBe(200);
    expect((await call("GET", "/alice/counted/1.0.0")).body.downloads).toBe(0);
    expect((await call("GET", url)).status).toBe(200);
    expect((await call("GET", "/alice/counted/1.0.0")).body.downloads).toBe(1);
  });

  it("shows a refused dist-tag as typed, not %-encoded", async () => {
    const { publish, call } = createTestRegistry();
    await publish("alice", "tagged", "1.0.0", skillZip("tagged", "1.0.0"));
    const response = await call("PUT", `/alice/tagged/-/dist-tags/${encodeURIComponent("^1")}`, {
      token: "alice-token",
      json: { version: "1.0.0" },
    });
    expect([response.status, response.body.error.code]).toEqual([400, "tag_invalid"]);
    expect(response.body.error.message).toMatch(/^"\^1" is not a valid dist-tag/);
  });
});
