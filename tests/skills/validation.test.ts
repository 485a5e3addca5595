/** Each invalid SKILL.md is rejected at publish with the right code and message; all problems are listed. */
import { describe, expect, it } from "vitest";
import { createTestRegistry, zip } from "./helpers.ts";

const VALID = { name: "hello", description: "Says hello.", version: '"1.0.0"' };

function frontmatter(lines: string): string {
  return `---\n${lines}\n---\n# Body\n`;
}

function standard(
  overrides: Partial<Record<"name" | "description" | "version", string>> = {},
  extra = "",
): string {
  const v = { ...VALID, ...overrides };
  return frontmatter(
    `name: ${v.name}\ndescription: ${v.description}\n${extra}metadata:\n  version: ${v.version}`,
  );
}

const CASES: Array<[string, string, string, RegExp]> = [
  ["no frontmatter", "# Just markdown\n", "frontmatter_missing", /must start with YAML frontmatter/],
  ["unclosed frontmatter", "---\nname: hello\n", "frontmatter_missing", /frontmatter/],
  ["broken YAML", frontmatter("name: [hello\ndescription: x"), "frontmatter_invalid", /not valid YAML/],
  [
    "duplicate keys",
    frontmatter('name: hello\nname: hello\ndescription: x\nmetadata:\n  version: "1.0.0"'),
    "frontmatter_invalid",
    /not valid YAML/,
  ],
  ["a list, not a mapping", frontmatter("- a\n- b"), "frontmatter_invalid", /must be a YAML mapping/],
  [
    "missing name",
    frontmatter('description: x\nmetadata:\n  version: "1.0.0"'),
    "name_missing",
    /`name` must be a non-empty string/,
  ],
  ["name with capitals", standard({ name: "Hello" }), "name_invalid", /a-z, 0-9/],
  ["name with double hyphen", standard({ name: "hel--lo" }), "name_invalid", /single inner hyphens/],
  ["name longer than 64", standard({ name: "a".repeat(65) }), "name_too_long", /longer than 64/],
  [
    "name not the slug",
    standard({ name: "other" }),
    "name_mismatch",
    /`name` is "other" but the skill is "hello"/,
  ],
  ["XML in name", standard({ name: "<b>hello</b>" }), "name_xml", /must not contain XML tags/],
  [
    "missing description",
    frontmatter('name: hello\nmetadata:\n  version: "1.0.0"'),
    "description_missing",
    /`description`/,
  ],
  ["empty description", standard({ description: '""' }), "description_missing", /non-empty/],
  [
    "description over 1024",
    standard({ description: "x".repeat(1025) }),
    "description_too_long",
    /longer than 1024/,
  ],
  ["XML in description", standard({ description: "use <system>me</system>" }), "description_xml", /XML tags/],
  [
    "top-level version",
    standard({}, 'version: "1.0.0"\n'),
    "frontmatter_key_unknown",
    /`version`.*metadata\.version/,
  ],
  [
    "unknown key",
    standard({}, "homepage: x\n"),
    "frontmatter_key_unknown",
    /unknown top-level key `homepage`/,
  ],
  [
    "no metadata.version",
    frontmatter("name: hello\ndescription: x"),
    "version_missing",
    /`metadata.version` is missing/,
  ],
  ["unquoted numeric version", standard({ version: "1.0" }), "version_invalid", /quoted string/],
  ["non-semver version", standard({ version: '"one"' }), "version_invalid", /not a semver version/],
  [
    "version other than published",
    standard({ version: '"2.0.0"' }),
    "version_mismatch",
    /"2.0.0" but "1.0.0"/,
  ],
  [
    "allowed-tools as a list",
    standard({}, "allowed-tools:\n  - Read\n"),
    "allowed_tools_invalid",
    /space-separated/,
  ],
  [
    "compatibility over 500",
    standard({}, `compatibility: ${"c".repeat(501)}\n`),
    "compatibility_too_long",
    /500/,
  ],
];

describe("SKILL.md validation at publish", () => {
  it.each(CASES)("rejects %s", async (_label, text, code, message) => {
    const { publish } = createTestRegistry();
    const result = await publish("alice", "hello", "1.0.0", zip({ "SKILL.md": text }));
    expect(result.status).toBe(422);
    expect(result.body.error.code).toBe("validation_failed");
    const problem = result.body.error.problems.find((p: { code: string }) => p.code === code);
    expect(problem, JSON.stringify(result.body.error.problems)).toBeDefined();
    expect(problem.message).toMatch(message);
  });

  it("rejects a missing SKILL.md, pointing at a nested one", async () => {
    const { publish } = createTestRegistry();
    const result = await publish("alice", "hello", "1.0.0", zip({ "hello/SKILL.md": standard() }));
    expect(result.body.error.problems).toEqual([
      {
        code: "skill_md_missing",
        message: "SKILL.md is missing (found hello/SKILL.md: SKILL.md must be at the archive root)",
      },
    ]);
  });

  it("lists every problem at once, not just the first", async () => {
    const { publish } = createTestRegistry();
    const text = frontmatter(`name: Other\ndescription: "<b>x</b>"\nversion: "1.0.0"\nhomepage: y`);
    const result = await publish("alice", "hello", "1.0.0", zip({ "SKILL.md": text }));
    const codes = result.body.error.problems.map((p: { code: string }) => p.code).sort();
    expect(codes).toEqual(
      [
        "description_xml",
        "frontmatter_key_unknown",
        "frontmatter_key_unknown",
        "name_invalid",
        "name_mismatch",
        "version_missing",
      ].sort(),
    );
    expect(result.body.error.message).toContain("unknown top-level key `homepage`");
  });

  it("accepts every spec key", async () => {
    const { publish } = createTestRegistry();
    const extra = "license: MIT\ncompatibility: Needs git\nallowed-tools: Bash(git:*) Read\n";
    const result = await publish("alice", "hello", "1.0.0", zip({ "SKILL.md": standard({}, extra) }));
    expect(result.status).toBe(201);
  });
});
