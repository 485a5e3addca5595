/**
 * `agent-mesh skills install [author/slug[@range|@tag]] [--force] [--dir <project>] [--global]`.
 * With a skill: resolve, verify, unpack, link, lock. Without: restore exactly what the lock file says (like
 * `npm ci`), from the local cache when offline. Never runs anything from the skill.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, print, type RegistryClient } from "./api.ts";
import { installedDigest, occupiedBy } from "./install-target.ts";
import {
  assertScopeContained,
  fetchPackage,
  installVersion,
  pickVersion,
  rangeFor,
  type Scope,
  scopeFor,
} from "./installer.ts";
import { type LockFile, readLock, writeLock } from "./lock-file.ts";
import { loadSettings } from "./settings.ts";
import { checkSkillRef, slugOf } from "./skill-names.ts";

export interface InstallOptions {
  force?: boolean;
  dir?: string;
  global?: boolean;
}

/** Another author's skill with the same slug, or an unmanaged folder, blocks the install unless forced. */
export async function checkCollision(
  scope: Scope,
  lock: LockFile,
  name: string,
  slug: string,
  force: boolean,
): Promise<void> {
  const other = Object.keys(lock.skills).find((key) => key !== name && key.endsWith(`/${slug}`));
  if (other && !force) {
    throw new CliError(
      "slug_taken",
      `".agents/skills/${slug}" already holds ${other} (owner ${other.split("/")[0]}); run \`agent-mesh skills remove ${other}\` first or pass --force to replace it`,
    );
  }
  if (!other && !lock.skills[name]) {
    const occupied = await occupiedBy(scope.root, slug);
    if (occupied && !force) {
      throw new CliError(
        "path_taken",
        `${occupied} exists and was not installed by agent-mesh; pass --force to replace it`,
      );
    }
  }
  if (other) delete lock.skills[other];
}

export async function installOne(
  client: RegistryClient,
  scope: Scope,
  ref: string,
  options: InstallOptions,
): Promise<void> {
  const { author, slug, spec } = checkSkillRef(ref);
  const name = `${author}/${slug}`;
  await assertScopeContained(scope);
  const lock = await readLock(scope.lockPath);
  await checkCollision(scope, lock, name, slug, options.force ?? false);
  const current = lock.skills[name];
  if (current && !options.force && (await installedDigest(scope.root, slug)) !== current.content) {
    throw new CliError("modified_locally", `${name} has local changes; pass --force to overwrite them`);
  }
  const doc = await fetchPackage(client, author, slug);
  const info = pickVersion(doc, spec);
  const entry = await installVersion(
    client,
    client.settings.home,
    scope,
    slug,
    info,
    rangeFor(spec, info.version),
    `${name}@${info.version}`,
  );
  lock.skills[name] = entry;
  await writeLock(scope.lockPath, lock);
  print(`installed ${name}@${info.version} → .agents/skills/${slug} (linked from .claude/skills/${slug})`);
  if (info.deprecated) print(`warning: ${name}@${info.version} is deprecated: ${info.deprecated}`);
}

/** Restores every lock entry whose files are missing or differ, verifying integrity; offline from the cache. */
export async function restore(scope: Scope, options: InstallOptions): Promise<void> {
  const settings = loadSettings();
  // readLock has checked every key and entry, so each slug below is a plain folder name.
  const lock = await readLock(scope.lockPath);
  await assertScopeContained(scope);
  const names = Object.keys(lock.skills);
  if (names.length === 0) {
    print(`nothing to install: ${scope.lockPath} lists no skills`);
    return;
  }
  const client = settings.url ? createRegistryClient(settings) : null;
  let restored = 0;
  for (const name of names) {
    const entry = lock.skills[name]!;
    const slug = slugOf(name);
    const before = await installedDigest(scope.root, slug);
    if (before === entry.content && !options.force) continue;
    const written = await installVersion(
      client,
      settings.home,
      scope,
      slug,
      { ...entry, archive_url: entry.resolved },
      entry.range,
      `${name}@${entry.version}`,
    );
    if (written.content !== entry.content) {
      throw new CliError(
        "integrity_mismatch",
        `${name}@${entry.version} unpacked to different files than the lock records`,
      );
    }
    restored++;
    print(`restored ${name}@${entry.version}`);
    // Restoring is `npm ci`: the lock wins. Still, say so when that threw away someone's edits.
    if (before !== null && before !== entry.content)
      print(`discarded local changes in .agents/skills/${slug}`);
  }
  print(`${restored} restored, ${names.length - restored} already in place (${scope.lockPath})`);
}

export function register(skills: Command): void {
  skills
    .command("install [skill]")
    .description(
      "install author/slug[@range|@tag], or restore everything in the lock file when no skill is given",
    )
    .option("--force", "replace a same-slug skill of another author, an unmanaged folder or local changes")
    .option("--dir <project>", "project folder (default: the current folder)")
    .option("--global", "install for the user (~/.agents/skills, ~/.claude/skills)")
    .action(async (skill: string | undefined, options: InstallOptions) => {
      const scope = scopeFor(options, loadSettings().home);
      if (skill) await installOne(createRegistryClient(), scope, skill, options);
      else await restore(scope, options);
    });
}
