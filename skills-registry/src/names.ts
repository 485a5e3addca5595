/**
 * Naming rules of the registry, one regular expression each, shared by validation, routes, the CLI and tests.
 * @module
 */

/**
 * An author is a gateway user name: 1–39 lowercase letters, digits and single inner hyphens (GitHub-like), so it
 * is a safe URL segment, store-key segment and folder name.
 */
export const AUTHOR_PATTERN: RegExp = /^(?=.{1,39}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A slug is the Agent Skills `name`: 1–64 chars of `a-z0-9` in hyphen-separated runs (no leading, trailing or
 * double hyphen). The real `skills` CLI accepts exactly this set, so every published skill installs with it.
 */
export const SLUG_PATTERN: RegExp = /^(?=.{1,64}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A dist-tag: starts with a letter so it can never be mistaken for a version or a range (`latest`, `next`). */
export const TAG_PATTERN: RegExp = /^[a-z][a-z0-9-]{0,31}$/;

/** `author/slug`, the full name of a skill. */
export function skillName(author: string, slug: string): string {
  return `${author}/${slug}`;
}
