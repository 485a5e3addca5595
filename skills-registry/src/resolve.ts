/**
 * Turning `@range`, `@tag` or `@version` into one version, shared by the registry and the CLI so both agree.
 * @module
 */
import semver from "semver";
import { TAG_PATTERN } from "./names.ts";

export interface ResolvableVersion {
  version: string;
  unpublished?: boolean;
}

/** Comparator operators as people write them; semver itself also reads `>===1` (as `>=1.0.0`). */
const OPERATORS = new Set(["<", ">", "<=", ">=", "=", "~", "^", "~>"]);

/**
 * True when `spec` can name a version at all: empty (`latest`), a tag of `tags` or one that could be, an exact
 * version, or a semver range with well-formed operators. `>===1` is a malformed request, not a missing version.
 */
export function isVersionSpec(spec: string, tags: Readonly<Record<string, string>>): boolean {
  if (spec === "" || tags[spec] !== undefined || TAG_PATTERN.test(spec)) return true;
  const operators = spec.match(/[<>=~^]+/g) ?? [];
  return semver.validRange(spec) !== null && operators.every((operator) => OPERATORS.has(operator));
}

/**
 * Picks the version `spec` designates: a dist-tag name, an exact version, or a semver range (highest match wins;
 * prereleases only when the range names one). Unpublished versions never resolve. `spec` defaults to `latest`.
 */
export function resolveSpec(
  spec: string | undefined,
  tags: Readonly<Record<string, string>>,
  versions: readonly ResolvableVersion[],
): string | null {
  const live = versions.filter((v) => !v.unpublished).map((v) => v.version);
  const wanted = spec === undefined || spec === "" ? "latest" : spec;
  const tagged = tags[wanted];
  if (tagged !== undefined) return live.includes(tagged) ? tagged : null;
  if (semver.valid(wanted)) return live.includes(wanted) ? wanted : null;
  if (semver.validRange(wanted) === null) return null;
  return semver.maxSatisfying(live, wanted);
}
