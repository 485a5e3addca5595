/**
 * The change lines of an fs-store journal file, as a test reads them: without commit lines (`{"c":N}`) and
 * without the zero-filled space that follows a running journal's data.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export async function journalChanges(path: string): Promise<string[]> {
  return (await readFile(path, "utf8"))
    .replace(/\0+$/, "")
    .split("\n")
    .filter((line) => line && !line.startsWith('{"c":'));
}

/** The change lines of the journal of the fs store in `dir`. */
export function journalChangesIn(dir: string): Promise<string[]> {
  return journalChanges(join(dir, "journal.ndjson"));
}
