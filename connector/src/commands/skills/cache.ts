/**
 * A content-addressed cache of downloaded archives under `<config folder>/cache/skills/`, keyed by integrity.
 * It lets `skills install` restore a lock file offline; entries are re-verified on every read.
 * @module
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { integrityOf } from "../../../../skills-registry/src/hashes.ts";

function fileFor(home: string, integrity: string): string {
  const hex = Buffer.from(integrity.replace(/^sha512-/, ""), "base64").toString("hex");
  return join(home, "cache", "skills", `sha512-${hex}.zip`);
}

export async function readCached(home: string, integrity: string): Promise<Uint8Array | null> {
  try {
    const bytes = new Uint8Array(await readFile(fileFor(home, integrity)));
    // A corrupted cache entry is treated as missing, never trusted.
    return (await integrityOf(bytes)) === integrity ? bytes : null;
  } catch {
    return null;
  }
}

export async function writeCached(home: string, integrity: string, bytes: Uint8Array): Promise<void> {
  const path = fileFor(home, integrity);
  await mkdir(join(home, "cache", "skills"), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}
