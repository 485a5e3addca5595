/**
 * Turning `@range`, `@tag` or `@version` into one version, shared by the registry and the CLI so both agree.
 * @module
 */
import semver from "semver";

export interface ResolvableVersion {
  version: string;
  unpublished?: boolean;
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
