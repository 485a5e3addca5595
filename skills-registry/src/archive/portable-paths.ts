/**
 * Paths every disk a skill is installed on can hold: no Windows device names, no segment ending in a dot or a
 * space, and no two paths that differ only in letter case. Applied when a version is published (by the registry and
 * by the CLI when packing), not when an archive is read: versions published before these rules stay installable
 * where they always were.
 * @module
 */
import type { Problem } from "../errors.ts";

/**
 * Windows opens the device, not a file, for these names whatever follows the first dot (`nul.txt`, `con.tar.gz`)
 * and whatever trailing spaces they carry. Paths are ASCII (path-rules.ts), so the superscript `COM¹` forms cannot
 * occur.
 */
const DEVICE_NAME = /^(?:CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9]|CONIN\$|CONOUT\$)$/i;

function isDeviceName(segment: string): boolean {
  const dot = segment.indexOf(".");
  return DEVICE_NAME.test((dot === -1 ? segment : segment.slice(0, dot)).replace(/ +$/, ""));
}

/**
 * Returns the problem, with its code, of one path that Windows cannot hold, or `null`. `path` has already passed
 * `pathProblem` (relative, `/` separators, printable ASCII).
 * @example portablePathProblem("docs/nul.txt")?.code // "path_reserved_name"
 */
export function portablePathProblem(path: string): Problem | null {
  for (const segment of path.split("/")) {
    if (isDeviceName(segment)) {
      return {
        code: "path_reserved_name",
        message: `"${segment}" names a Windows device: CON, PRN, AUX, NUL, COM1-COM9 and LPT1-LPT9 are reserved, with or without an extension`,
        path,
      };
    }
    if (segment.endsWith(".") || segment.endsWith(" ")) {
      return {
        code: "path_trailing_dot_or_space",
        message: `"${segment}" ends in a dot or a space, which Windows drops from names`,
        path,
      };
    }
  }
  return null;
}

/**
 * One `path_case_clash` problem for each path (or folder) whose spelling differs only in letter case from an
 * earlier one: `A.md` beside `a.md`, `Docs/x.md` beside `docs/y.md`. On Windows and case-insensitive macOS volumes
 * they are one name, so one file would overwrite the other and the install would show as modified for ever.
 * @example caseClashes(["a.md", "A.md"])[0]?.code // "path_case_clash"
 */
export function caseClashes(paths: Iterable<string>): Problem[] {
  const spellings = new Map<string, string>();
  const problems: Problem[] = [];
  for (const path of paths) {
    const segments = path.split("/");
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth).join("/");
      const first = spellings.get(prefix.toLowerCase());
      if (first === undefined) spellings.set(prefix.toLowerCase(), prefix);
      else if (first !== prefix) {
        problems.push({
          code: "path_case_clash",
          message: `${prefix === path ? "" : `its folder ${prefix} `}differs from ${first} only in letter case; Windows and case-insensitive macOS volumes hold only one of them`,
          path,
        });
        break; // one problem per path: its deeper segments clash only because this one does
      }
    }
  }
  return problems;
}
