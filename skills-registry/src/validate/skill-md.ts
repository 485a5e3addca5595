/**
 * SKILL.md rules of the Agent Skills specification, applied strictly at publish: frontmatter parsed with a real
 * YAML parser, only the spec's top-level keys, `name` = slug, description length, no XML tags, and the version in
 * `metadata.version` so a published skill stays spec-valid.
 * @module
 */
import { parseDocument } from "yaml";
import type { Problem } from "../errors.ts";
import { SLUG_PATTERN } from "../names.ts";

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
  const document = parseDocument(parts.yaml, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    const detail = document.errors.map((e) => e.message.split("\n")[0]).join("; ");
    problems.push({
      code: "frontmatter_invalid",
      message: `frontmatter is not valid YAML: ${detail}`,
      path: "SKILL.md",
    });
    return null;
  }
  const data: unknown = document.toJS();
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
  const description = checkText("description", data.description, 1024, problems);
  if (data.compatibility !== undefined) checkText("compatibility", data.compatibility, 500, problems);
  if (data.license !== undefined && typeof data.license !== "string") {
    problems.push({ code: "license_invalid", message: "`license` must be a string", path: "SKILL.md" });
  }
  if (data["allowed-tools"] !== undefined && typeof data["allowed-tools"] !== "string") {
    problems.push({
      code: "allowed_tools_invalid",
      message: "`allowed-tools` must be a space-separated string",
      path: "SKILL.md",
    });
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
