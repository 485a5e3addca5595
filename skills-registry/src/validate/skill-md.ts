/**
 * SKILL.md rules of the Agent Skills specification, applied strictly at publish: frontmatter parsed with a real
 * YAML parser, only the spec's top-level keys, `name` = slug, description length, no XML tags, and the version in
 * `metadata.version` so a published skill stays spec-valid.
 * @module
 */
import { parseDocument } from "yaml";
import type { Problem } from "../errors.ts";
import { SLUG_PATTERN } from "../names.ts";
import { firstControlCharacter } from "../printable.ts";

export const ALLOWED_KEYS = [
  "name",
  "description",
  "license",
  "compatibility",
  "metadata",
  "allowed-tools",
] as const;

export interface SkillFrontmatter {
  name: string;
  description: string;
  version: string | undefined;
  data: Record<string, unknown>;
}

const XML_TAG = /<\/?[A-Za-z][^<>]*>/;

/** Front-matter text is printed in other people's terminals: see printable.ts. */
function checkControlCharacters(field: string, value: string, problems: Problem[]): void {
  const found = firstControlCharacter(value);
  if (found === null) return;
  problems.push({
    code: "frontmatter_control_char",
    message: `\`${field}\` contains the control character ${found}; only tab and line feed are allowed`,
    path: "SKILL.md",
  });
}

/** Splits `---\n<yaml>\n---\n<body>`; returns `null` when there is no properly closed frontmatter block. */
export function splitFrontmatter(text: string): { yaml: string; body: string } | null {
  const match = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return null;
  return { yaml: match[1]!, body: text.slice(match[0].length) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkText(field: string, value: unknown, max: number, problems: Problem[]): string {
  if (typeof value !== "string" || value.trim() === "") {
    problems.push({
      code: `${field}_missing`,
      message: `frontmatter \`${field}\` must be a non-empty string`,
      path: "SKILL.md",
    });
    return "";
  }
  if ([...value].length > max) {
    problems.push({
      code: `${field}_too_long`,
      message: `\`${field}\` is longer than ${max} characters`,
      path: "SKILL.md",
    });
  }
  if (XML_TAG.test(value)) {
    problems.push({
      code: `${field}_xml`,
      message: `\`${field}\` must not contain XML tags`,
      path: "SKILL.md",
    });
  }
  return value;
}

/** Alias expansions allowed while turning the frontmatter into data (the yaml library's default). */
const MAX_ALIAS_COUNT = 100;

/**
 * The frontmatter as plain data, or `undefined` after pushing a `frontmatter_invalid` problem. Every exception of the
 * YAML library becomes that problem: an alias bomb (`&a [...]` nested in `*a` lists) makes `toJS` throw "Excessive
 * alias count", which answered 500 internal_error and reached the CLI as the library's bare message.
 */
function parseFrontmatter(yaml: string, problems: Problem[]): unknown {
  const invalid = (detail: string) => {
    problems.push({
      code: "frontmatter_invalid",
      message: `frontmatter is not valid YAML: ${detail}`,
      path: "SKILL.md",
    });
    return undefined;
  };
  try {
    const document = parseDocument(yaml, { uniqueKeys: true, prettyErrors: false });
    if (document.errors.length > 0)
      return invalid(document.errors.map((e) => e.message.split("\n")[0]).join("; "));
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    return invalid(
      /alias count/i.test(message)
        ? `too many YAML aliases (at most ${MAX_ALIAS_COUNT} expansions; use plain values)`
        : message,
    );
  }
}

/**
 * Validates SKILL.md text for the skill `slug`. Pushes every problem found into `problems` and returns what it
 * could read.
 */
export function validateSkillMd(text: string, slug: string, problems: Problem[]): SkillFrontmatter | null {
  const parts = splitFrontmatter(text);
  if (!parts) {
    problems.push({
      code: "frontmatter_missing",
      message: "SKILL.md must start with YAML frontmatter between two `---` lines",
      path: "SKILL.md",
    });
    return null;
  }
  const data = parseFrontmatter(parts.yaml, problems);
  if (data === undefined) return null;
  if (!isRecord(data)) {
    problems.push({
      code: "frontmatter_invalid",
      message: "frontmatter must be a YAML mapping",
      path: "SKILL.md",
    });
    return null;
  }
  for (const key of Object.keys(data)) {
    if (!(ALLOWED_KEYS as readonly string[]).includes(key)) {
      const hint = key === "version" ? " (put the version in `metadata.version`)" : "";
      problems.push({
        code: "frontmatter_key_unknown",
        message: `unknown top-level key \`${key}\`${hint}; allowed: ${ALLOWED_KEYS.join(", ")}`,
        path: "SKILL.md",
      });
    }
  }
  const name = checkText("name", data.name, 64, problems);
  if (name && !SLUG_PATTERN.test(name)) {
    problems.push({
      code: "name_invalid",
      message: "`name` must be 1–64 chars of a-z, 0-9 and single inner hyphens",
      path: "SKILL.md",
    });
  }
  if (name && name !== slug) {
    problems.push({
      code: "name_mismatch",
      message: `\`name\` is "${name}" but the skill is "${slug}"`,
      path: "SKILL.md",
    });
  }
  // `name` needs no control-character check: the slug rule above already refuses anything but a-z 0-9 -.
  const description = checkText("description", data.description, 1024, problems);
  checkControlCharacters("description", description, problems);
  if (data.compatibility !== undefined) {
    checkControlCharacters(
      "compatibility",
      checkText("compatibility", data.compatibility, 500, problems),
      problems,
    );
  }
  if (data.license !== undefined && typeof data.license !== "string") {
    problems.push({ code: "license_invalid", message: "`license` must be a string", path: "SKILL.md" });
  } else if (typeof data.license === "string") checkControlCharacters("license", data.license, problems);
  if (data["allowed-tools"] !== undefined && typeof data["allowed-tools"] !== "string") {
    problems.push({
      code: "allowed_tools_invalid",
      message: "`allowed-tools` must be a space-separated string",
      path: "SKILL.md",
    });
  } else if (typeof data["allowed-tools"] === "string") {
    checkControlCharacters("allowed-tools", data["allowed-tools"], problems);
  }
  let version: string | undefined;
  if (data.metadata !== undefined) {
    if (!isRecord(data.metadata)) {
      problems.push({ code: "metadata_invalid", message: "`metadata` must be a mapping", path: "SKILL.md" });
    } else if (data.metadata.version !== undefined) {
      if (typeof data.metadata.version === "string") version = data.metadata.version;
      else
        problems.push({
          code: "version_invalid",
          message: "`metadata.version` must be a quoted string",
          path: "SKILL.md",
        });
    }
  }
  return { name, description, version, data };
}
