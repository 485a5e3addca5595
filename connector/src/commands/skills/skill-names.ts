/**
 * Author and slug checks with the registry's own rules, applied to every name that becomes a path: command
 * arguments and lock-file keys. A slug is used as a folder name under `.agents/skills/` and `.claude/skills/`, so
 * `..`, `.`, upper case or a separator must be refused before anything is read, written or deleted.
 * @module
 */
import { AUTHOR_PATTERN, SLUG_PATTERN } from "../../../../skills-registry/src/names.ts";
import { CliError } from "../../cli/errors.ts";
import { parseSkillRef } from "./api.ts";

/** Why `author/slug` is not a valid full skill name, or `null` when it is. */
export function skillNameProblem(name: string): string | null {
  const parts = name.split("/");
  if (parts.length !== 2) return "is not author/slug";
  const [author, slug] = parts as [string, string];
  if (!AUTHOR_PATTERN.test(author))
    return `has an invalid author "${author}" (lowercase letters, digits and inner hyphens, at most 39)`;
  if (!SLUG_PATTERN.test(slug))
    return `has an invalid slug "${slug}" (lowercase letters, digits and inner hyphens, at most 64)`;
  return null;
}

/**
 * `author/slug[@spec]` from the command line, with author and slug checked.
 * @example checkSkillRef("alice/git-helper@^1") // { author: "alice", slug: "git-helper", spec: "^1" }
 */
export function checkSkillRef(ref: string): { author: string; slug: string; spec: string | undefined } {
  const parsed = parseSkillRef(ref);
  const problem = skillNameProblem(`${parsed.author}/${parsed.slug}`);
  if (problem) throw new CliError("skill_ref_invalid", `"${ref}" ${problem}`);
  return parsed;
}

/**
 * An installed skill named as `author/slug` or just `slug` (what `skills remove` takes), checked.
 * @example checkInstalledRef("git-helper") // "git-helper"
 */
export function checkInstalledRef(ref: string): string {
  const problem = ref.includes("/")
    ? skillNameProblem(ref)
    : SLUG_PATTERN.test(ref)
      ? null
      : "is not a valid slug (lowercase letters, digits and inner hyphens, at most 64)";
  if (problem) throw new CliError("skill_ref_invalid", `"${ref}" ${problem}`);
  return ref;
}

/** The slug of an already validated `author/slug`. */
export function slugOf(name: string): string {
  return name.slice(name.indexOf("/") + 1);
}
