/**
 * Hostile archives: refused by the registry at publish, and refused by `agent-mesh skills install` when a
 * malicious server hands them out, with nothing written outside (or even inside) the target.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../skills-registry/src/limits.ts";
import { cliAsync } from "./cli-flow.ts";
import { createTestRegistry, skillMd, zip } from "./helpers.ts";

const SKILL = skillMd("hello", "1.0.0");
const SYMLINK = { os: 3, attrs: 0o120777 << 16 };

/** The archive of `files` with its first entry's deflate stream broken by `damage` (found by tests/fuzz). */
function brokenDeflate(damage: (zip: Uint8Array, dataStart: number, view: DataView) => void): Uint8Array {
  const archive = zip({ "SKILL.md": SKILL.repeat(20) }); // fflate deflates by default
  const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength);
  damage(archive, 30 + view.getUint16(26, true) + view.getUint16(28, true), view);
  return archive;
}

/** name → [archive, expected problem code]. */
const HOSTILE: Record<string, [() => Uint8Array, string]> = {
  "path traversal": [() => zip({ "SKILL.md": SKILL, "../../evil.txt": "pwned" }), "path_forbidden"],
  "absolute path": [() => zip({ "SKILL.md": SKILL, "/tmp/evil.txt": "pwned" }), "path_forbidden"],
  "a symlink": [() => zip({ "SKILL.md": SKILL, link: ["/etc/passwd", SYMLINK] }), "symlink_forbidden"],
  "a .env file": [() => zip({ "SKILL.md": SKILL, ".env.local": "TOKEN=1" }), "path_forbidden"],
  ".git contents": [() => zip({ "SKILL.md": SKILL, ".git/config": "[core]" }), "path_forbidden"],
  node_modules: [() => zip({ "SKILL.md": SKILL, "node_modules/x/index.js": "" }), "path_forbidden"],
  backslashes: [() => zip({ "SKILL.md": SKILL, "..\\evil.txt": "pwned" }), "path_forbidden"],
  "too many files": [
    () =>
      zip({
        "SKILL.md": SKILL,
        ...Object.fromEntries(Array.from({ length: LIMITS.fileCount }, (_, i) => [`f/${i}.md`, "x"])),
      }),
    "too_many_files",
  ],
  "an oversized file": [
    () => zip({ "SKILL.md": SKILL, "big.bin": randomBytes(LIMITS.fileBytes + 1) }),
    "file_too_large",
  ],
  "a decompression bomb": [
    () =>
      zip({
        "SKILL.md": SKILL,
        ...Object.fromEntries(
          Array.from({ length: 6 }, (_, i) => [`zeros${i}.bin`, new Uint8Array(4 * 1024 * 1024)]),
        ),
      }),
    "decompression_limit",
  ],
  // Both were 500 internal_error at publish and a raw fflate error in `skills install`.
  "a corrupt deflate stream": [
    () =>
      brokenDeflate((archive, start) => {
        archive[start] = 0xff; // block type 3: invalid
      }),
    "archive_invalid",
  ],
  "a cut deflate stream": [
    () =>
      brokenDeflate((archive, _start, view) => {
        const directory = view.getUint32(archive.length - 22 + 16, true);
        view.setUint32(directory + 20, 2, true); // the central directory says the data is 2 bytes long
      }),
    "archive_invalid",
  ],
  // Was published, then `skills install` failed half-way with a raw EEXIST (found by tests/fuzz).
  "a file and a folder with one name": [
    () => zip({ "SKILL.md": SKILL, a: "file", "a/b.md": "inside" }),
    "archive_invalid",
  ],
  "not a zip": [() => new TextEncoder().encode("just text, not an archive"), "archive_invalid"],
};

describe("the registry refuses hostile archives", () => {
  it.each(Object.keys(HOSTILE))("refuses %s", async (name) => {
    const [build, code] = HOSTILE[name]!;
    const { publish, call } = createTestRegistry();
    const result = await publish("alice", "hello", "1.0.0", build());
    expect(result.status).toBe(422);
    expect(result.body.error.problems.map((p: { code: string }) => p.code)).toContain(code);
    expect((await call("GET", "/alice/hello")).status).toBe(404);
  });

  it("refuses an upload over the archive cap before unpacking it", async () => {
    const { publish } = createTestRegistry();
    const result = await publish("alice", "hello", "1.0.0", randomBytes(LIMITS.archiveBytes + 1));
    expect([result.status, result.body.error.code]).toEqual([413, "archive_too_large"]);
  });
});

describe("agent-mesh skills install refuses what a hostile server sends", () => {
  let server: Server;
  let url = "";
  /** What the fake registry serves next: archive bytes and the integrity it claims. */
  let served: { archive: Uint8Array; integrity: string } = { archive: new Uint8Array(), integrity: "" };
  const work = mkdtempSync(join(tmpdir(), "skills-hostile-"));

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/v1/skills/mallory/hello") {
        const doc = {
          name: "mallory/hello",
          description: "x",
          "dist-tags": { latest: "1.0.0" },
          versions: {
            "1.0.0": { version: "1.0.0", integrity: served.integrity, archive_url: `${url}/archive.zip` },
          },
          downloads: 0,
        };
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc));
      } else if (request.url === "/archive.zip") {
        response.writeHead(200, { "content-type": "application/zip" }).end(served.archive);
      } else response.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(work, { recursive: true, force: true });
  });

  const sri = (bytes: Uint8Array) => `sha512-${createHash("sha512").update(bytes).digest("base64")}`;

  function installInto(project: string) {
    mkdirSync(project, { recursive: true });
    return cliAsync(["skills", "install", "mallory/hello"], { cwd: project, home: join(work, "home"), url });
  }

  it.each(
    Object.keys(HOSTILE).filter((n) => n !== "not a zip"),
  )("refuses %s and writes nothing", async (name) => {
    const archive = HOSTILE[name]![0]();
    served = { archive, integrity: sri(archive) };
    const project = join(work, name.replace(/\W+/g, "-"), "project");
    const result = await installInto(project);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stderr).toContain("refusing mallory/hello@1.0.0");
    expect(readdirSync(join(project, ".."))).toEqual(["project"]);
    expect(readdirSync(project)).toEqual([]);
    expect(existsSync("/tmp/evil.txt")).toBe(false);
  });

  it("refuses an archive whose bytes do not match the integrity, before unpacking", async () => {
    const archive = zip({ "SKILL.md": SKILL, "../evil.txt": "pwned" });
    served = { archive, integrity: sri(zip({ "SKILL.md": SKILL })) };
    const project = join(work, "wrong-integrity", "project");
    const result = await installInto(project);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("integrity check failed");
    expect(readdirSync(project)).toEqual([]);
    // The bad bytes never reach the cache either.
    const cache = join(work, "home", ".agent-mesh", "cache", "skills");
    const hex = Buffer.from(sri(archive).slice(7), "base64").toString("hex");
    expect(existsSync(join(cache, `sha512-${hex}.zip`))).toBe(false);
  });
});
