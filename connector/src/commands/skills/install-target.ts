/**
 * Writing a verified skill to disk: the canonical copy in `<root>/.agents/skills/<slug>/` (read directly by
 * Codex, Gemini CLI, Cursor, OpenCode ...) and a relative symlink `<root>/.claude/skills/<slug>` for Claude Code,
 * the same layout the `skills` CLI uses. Files are staged in a fresh folder and swapped in with a rename, every
 * path is checked to stay inside it, and nothing is ever executed.
 * @module
 */
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { contentDigestOf } from "../../../../skills-registry/src/hashes.ts";
import { CliError } from "../../cli/errors.ts";
import { assertSkillPlace } from "./project-folders.ts";

export interface SkillPaths {
  canonical: string;
  link: string;
}

/** The skill's two places; throws `path_forbidden` if a slug would lead anywhere else (`..`, `.`, `a/b`). */
export function skillPaths(root: string, slug: string): SkillPaths {
  const paths = {
    canonical: join(root, ".agents", "skills", slug),
    link: join(root, ".claude", "skills", slug),
  };
  assertSkillPlace(root, paths.canonical);
  assertSkillPlace(root, paths.link);
  return paths;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Writes `files` as the skill `slug`, replacing what was there. */
export async function writeSkill(
  root: string,
  slug: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<SkillPaths> {
  const paths = skillPaths(root, slug);
  const parent = dirname(paths.canonical);
  await mkdir(parent, { recursive: true });
  const stage = join(parent, `.${slug}.staging-${process.pid}`);
  await rm(stage, { recursive: true, force: true });
  await mkdir(stage);
  try {
    for (const [path, data] of files) {
      const target = resolve(stage, path);
      // Belt and braces: paths were validated when unpacking, but a write must never leave the stage.
      if (!target.startsWith(stage + sep))
        throw new CliError("path_forbidden", `refusing to write outside the skill: ${path}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data, { flag: "wx", mode: 0o644 });
    }
    await rm(paths.canonical, { recursive: true, force: true });
    await rename(stage, paths.canonical);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  await linkForClaude(paths);
  return paths;
}

async function linkForClaude(paths: SkillPaths): Promise<void> {
  const target = relative(dirname(paths.link), paths.canonical);
  await mkdir(dirname(paths.link), { recursive: true });
  const current = await lstat(paths.link).catch(() => null);
  if (current?.isSymbolicLink() && (await readlink(paths.link)) === target) return;
  await rm(paths.link, { recursive: true, force: true });
  await symlink(target, paths.link, "dir");
}

export async function removeSkill(root: string, slug: string): Promise<void> {
  const paths = skillPaths(root, slug);
  const link = await lstat(paths.link).catch(() => null);
  if (link?.isSymbolicLink()) await rm(paths.link, { force: true });
  await rm(paths.canonical, { recursive: true, force: true });
}

/** Is there something at the skill's place that we did not put there (a folder, or a link elsewhere)? */
export async function occupiedBy(root: string, slug: string): Promise<string | null> {
  const paths = skillPaths(root, slug);
  if (await exists(paths.canonical)) return paths.canonical;
  const link = await lstat(paths.link).catch(() => null);
  if (
    link &&
    !(
      link.isSymbolicLink() && (await readlink(paths.link)) === relative(dirname(paths.link), paths.canonical)
    )
  ) {
    return paths.link;
  }
  return null;
}

async function collect(root: string, dir: string, files: Map<string, Uint8Array>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const absolute = join(dir, entry.name);
    const path = relative(root, absolute).split(sep).join("/");
    if (entry.isDirectory()) await collect(root, absolute, files);
    // A symlink or special file was not installed by us: hash its name so it shows up as a local change.
    else if (entry.isFile()) files.set(path, new Uint8Array(await readFile(absolute)));
    else files.set(path, new TextEncoder().encode(`<${entry.isSymbolicLink() ? "symlink" : "special"}>`));
  }
}

/** Digest of the installed skill's files, comparable with the lock's `content`; `null` if it is not there. */
export async function installedDigest(root: string, slug: string): Promise<string | null> {
  const { canonical } = skillPaths(root, slug);
  if (!(await exists(canonical))) return null;
  const files = new Map<string, Uint8Array>();
  await collect(canonical, canonical, files);
  return contentDigestOf(files);
}
