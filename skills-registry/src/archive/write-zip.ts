/**
 * Deterministic zips: entries sorted by path, one fixed timestamp, fixed attributes, fixed compression level. The
 * same files always give the same bytes, hence the same integrity.
 * @module
 */
import { type Zippable, zipSync } from "fflate";
import { compareBytes } from "../hashes.ts";

// DOS timestamps are written from the Date's local-time fields, so build the date from local fields too: the
// archive then carries 1980-01-01 00:00 in every time zone.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export function writeZip(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const path of [...files.keys()].sort(compareBytes)) {
    zippable[path] = [files.get(path)!, { mtime: FIXED_MTIME, os: 3, attrs: 0o100644 << 16, level: 9 }];
  }
  return zipSync(zippable, { mtime: FIXED_MTIME, level: 9 });
}
