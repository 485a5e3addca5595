/**
 * The registry refuses archive paths that Windows or a case-insensitive macOS volume cannot hold: device names
 * (`nul.txt`, `con`), segments ending in a dot or a space, and two paths differing only in letter case. Archives
 * already stored with such names stay readable (installs and discovery read them with `readZip`).
 */
import { describe, expect, it } from "vitest";
import { caseClashes, portablePathProblem } from "../../skills-registry/src/archive/portable-paths.ts";
import { readZip } from "../../skills-registry/src/archive/read-zip.ts";
import { createTestRegistry, skillMd, zip } from "./helpers.ts";

type Problem = { code: string; message: string; path?: string };

async function publishFiles(files: Record<string, string>) {
  const { publish } = createTestRegistry();
  const response = await publish(
    "alice",
    "port",
    "1.0.0",
    zip({ "SKILL.md": skillMd("port", "1.0.0"), ...files }),
  );
  return { status: response.status, problems: (response.body?.error?.problems ?? []) as Problem[] };
}

describe("portable path rules", () => {
  it.each([
    "con",
    "CON",
    "nul.txt",
    "Aux.tar.gz",
    "prn",
    "com1.md",
    "LPT9",
    "conin$",
    "nul .txt",
    "docs/nul/readme.md",
  ])("refuses the device name in %s as path_reserved_name", async (path) => {
    expect(portablePathProblem(path)?.code).toBe("path_reserved_name");
    const { status, problems } = await publishFiles({ [path]: "x" });
    expect(status).toBe(422);
    expect(problems).toEqual([expect.objectContaining({ code: "path_reserved_name", path })]);
    expect(problems[0]!.message).toContain("names a Windows device");
  });

  it.each([
    "trail. ",
    "notes.",
    "dir./a.md",
    "space /a.md",
  ])("refuses %s, a segment ending in a dot or a space", async (path) => {
    const { status, problems } = await publishFiles({ [path]: "x" });
    expect(status).toBe(422);
    expect(problems).toEqual([expect.objectContaining({ code: "path_trailing_dot_or_space", path })]);
  });

  it.each([
    "console.md",
    "com10.md",
    "com0",
    "nully.txt",
    "aux-notes/a.md",
    ".nul",
    "a.b/c.md",
  ])("accepts %s, which only looks like a device name", async (path) => {
    expect(portablePathProblem(path)).toBeNull();
    expect((await publishFiles({ [path]: "x" })).status).toBe(201);
  });

  it("refuses two paths that differ only in letter case, naming both", async () => {
    const { status, problems } = await publishFiles({ "a.md": "one", "A.md": "two" });
    expect(status).toBe(422);
    expect(problems).toEqual([
      {
        code: "path_case_clash",
        message:
          "differs from a.md only in letter case; Windows and case-insensitive macOS volumes hold only one of them",
        path: "A.md",
      },
    ]);
  });

  it("refuses folders that differ only in letter case, and a file beside a folder of the same name", () => {
    expect(caseClashes(["Docs/x.md", "docs/y.md"])).toEqual([
      expect.objectContaining({
        code: "path_case_clash",
        path: "docs/y.md",
        message: expect.stringContaining("its folder docs differs from Docs"),
      }),
    ]);
    expect(caseClashes(["readme", "README/a.md"]).map((p) => p.code)).toEqual(["path_case_clash"]);
    expect(caseClashes(["Docs/x.md", "Docs/y.md", "docs.md"])).toEqual([]);
  });

  it("refuses skill.md beside SKILL.md", async () => {
    const { problems } = await publishFiles({ "skill.md": "lower" });
    expect(problems.map((p) => p.code)).toEqual(["path_case_clash"]);
  });

  it("still reads a stored archive with such names, so older versions stay installable", () => {
    const files = readZip(
      zip({ "SKILL.md": skillMd("port", "1.0.0"), "nul.txt": "x", "A.md": "1", "a.md": "2" }),
    );
    expect([...files.keys()].sort()).toEqual(["A.md", "SKILL.md", "a.md", "nul.txt"]);
  });
});
