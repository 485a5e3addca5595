/**
 * A PATH on which one program cannot be found: a temp folder of links to every other program of the current
 * PATH. Used to run real binaries "on a machine without bubblewrap" on a machine that has it.
 * @module
 */
import { existsSync, readdirSync, symlinkSync } from "node:fs";
import { delimiter, join } from "node:path";
import { tempDir } from "./helpers.ts";

export async function pathWithout(program: string, basePath = process.env.PATH ?? ""): Promise<string> {
  const dir = await tempDir(`path-without-${program}`);
  for (const source of basePath.split(delimiter).filter(Boolean)) {
    let names: string[];
    try {
      names = readdirSync(source);
    } catch {
      continue; // a PATH entry that does not exist
    }
    for (const name of names) {
      if (name === program || existsSync(join(dir, name))) continue;
      symlinkSync(join(source, name), join(dir, name));
    }
  }
  return dir;
}
