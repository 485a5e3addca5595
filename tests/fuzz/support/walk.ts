/** Every path under a folder (links not followed), relative to it, with `/` separators. */
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";

export function walk(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    const here = relative(root, path).split(sep).join("/");
    return entry.isDirectory() ? [here, ...walk(root, path)] : [here];
  });
}
