/**
 * Which paths may appear inside a skill. Applied by the registry at publish, by the CLI when packing and again
 * when unpacking, so a hostile archive can never name a file outside its folder. The rules for names only some
 * disks cannot hold (Windows device names, trailing dots, case clashes) are in portable-paths.ts: they apply at
 * publish only, so versions published before them stay readable.
 * @module
 */
import { LIMITS } from "../limits.ts";

/** Printable ASCII without the characters the discovery RFC forbids (`\ ? # [ ]`) and without `:` `*` `"` `<>|`. */
const SAFE_PATH = /^[A-Za-z0-9 !$%&'()+,\-.;=@^_`{}~/]+$/;

/** Path segments that are never packed: VCS data, dependencies, secrets and editor/OS droppings. */
const FORBIDDEN_SEGMENTS = new Set([
  ".git",
  ".hg",
  ".svn",
  "node_modules",
  ".ssh",
  ".aws",
  ".gnupg",
  ".DS_Store",
]);

/** Files whose names mark secrets: `.env`, `.env.local`, `.npmrc`, private keys ... */
const SECRET_FILE =
  /^(?:\.env(?:\..*)?|\.npmrc|\.netrc|\.pypirc|\.git-credentials|\.htpasswd|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?|.*\.pem|.*\.key)$/;

/**
 * Returns why `path` may not be part of a skill, or `null` when it may. `path` uses `/` separators and is relative
 * to the skill's root.
 */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return "empty path";
  if (path.length > LIMITS.pathLength) return `path longer than ${LIMITS.pathLength} characters`;
  // A drive only when a separator or nothing follows: `a:b.md` is a relative name with a forbidden `:` (below).
  if (path.startsWith("/") || /^[A-Za-z]:(?:[/\\]|$)/.test(path)) return "absolute path";
  if (path.includes("\\")) return "backslash in path (use / separators)";
  if (!SAFE_PATH.test(path)) return 'path must be printable ASCII without \\ ? # [ ] : * " < > |';
  const segments = path.split("/");
  if (segments.some((s) => s === "..")) return "path escapes the skill folder (..)";
  if (segments.some((s) => s === "" || s === ".")) return "empty or '.' path segment";
  const forbidden = segments.find((s) => FORBIDDEN_SEGMENTS.has(s));
  if (forbidden) return `${forbidden} is never packed`;
  const name = segments[segments.length - 1]!;
  if (SECRET_FILE.test(name)) return `${name} looks like a secret and is never packed`;
  return null;
}

/** True for files the CLI silently leaves out when packing a folder (they are rejected if uploaded anyway). */
export function isIgnoredWhenPacking(path: string): boolean {
  return pathProblem(path) !== null;
}
