/**
 * The change lines of an fs-store journal file, as a test reads them: without commit lines (`{"c":N}`) and
 * without the zero-filled space that follows a running journal's data.
 */
import { readFile } from "node:fs/promises";

export async function journalChanges(path: string): Promise<string[]> {
  return (await readFile(path, "utf8"))
    .replace(/\0+$/, "")
    .split("\n")
    .filter((line) => line && !line.startsWith('{"c":'));
}
