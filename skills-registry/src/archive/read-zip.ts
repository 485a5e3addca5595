/**
 * A defensive zip reader. It walks the central directory itself (the only place that records symlinks), rejects
 * anything but plain files stored or deflated, checks every path, and inflates with a running byte count so a
 * decompression bomb is stopped after `LIMITS.unpackedBytes`, whatever the headers claim.
 * @module
 */
import { Inflate } from "fflate";
import { type Problem, ValidationError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { crc32 } from "./crc32.ts";
import { pathProblem } from "./path-rules.ts";

export interface ZipLimits {
  fileBytes: number;
  unpackedBytes: number;
  fileCount: number;
}

interface Entry {
  path: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  localHeaderOffset: number;
  isSymlink: boolean;
  isSpecial: boolean;
  isDirectory: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function fail(code: string, message: string, path?: string): never {
  throw new ValidationError([{ code, message, ...(path ? { path } : {}) }]);
}

function findEndOfCentralDirectory(view: DataView): number {
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, so it sits in the last 65557 bytes.
  const stop = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let offset = view.byteLength - 22; offset >= stop; offset--) {
    if (view.getUint32(offset, true) === EOCD_SIGNATURE) return offset;
  }
  return fail("archive_invalid", `not a zip archive (no end-of-central-directory record)${formatHint(view)}`);
}

/** A hint for the formats people send instead of zip: gzip (`.tar.gz`, `.tgz`) and plain tar. */
function formatHint(view: DataView): string {
  const isGzip = view.byteLength >= 2 && view.getUint8(0) === 0x1f && view.getUint8(1) === 0x8b;
  const isTar =
    view.byteLength >= 262 &&
    new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + 257, 5)) === "ustar";
  if (!isGzip && !isTar) return "";
  return `; this looks like ${isGzip ? "gzip" : "tar"}: the registry takes zip archives (\`zip -r skill.zip .\`)`;
}

function readEntries(bytes: Uint8Array, limits: ZipLimits): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 22) fail("archive_invalid", `not a zip archive (too short)${formatHint(view)}`);
  const eocd = findEndOfCentralDirectory(view);
  const count = view.getUint16(eocd + 10, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff)
    fail("archive_invalid", "zip64 archives are not supported");
  if (count > limits.fileCount) fail("too_many_files", `more than ${limits.fileCount} files in the archive`);
  const decoder = new TextDecoder("utf-8");
  const entries: Entry[] = [];
  let offset = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (offset + 46 > bytes.byteLength || view.getUint32(offset, true) !== CENTRAL_SIGNATURE) {
      fail("archive_invalid", "corrupt zip central directory");
    }
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const externalAttributes = view.getUint32(offset + 38, true);
    const unixMode = externalAttributes >>> 16;
    const path = decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength));
    // A size or offset of 0xffffffff means "see the zip64 extra field". Zip64 extras on small entries (Python's
    // force_zip64 writes them) are harmless: the 32-bit fields read here still hold the real values.
    if ([20, 24, 42].some((field) => view.getUint32(offset + field, true) === 0xffffffff)) {
      fail("archive_invalid", "zip64 sizes or offsets are not supported", path);
    }
    entries.push({
      path,
      flags: view.getUint16(offset + 8, true),
      method: view.getUint16(offset + 10, true),
      crc: view.getUint32(offset + 16, true),
      compressedSize: view.getUint32(offset + 20, true),
      localHeaderOffset: view.getUint32(offset + 42, true),
      // Unix-made entries record the file type in the high 16 bits; a symlink stores its target as data. Like the
      // real `skills` CLI we read the type whatever the "made by" OS says, so a forged header cannot hide a link.
      isSymlink: (unixMode & S_IFMT) === S_IFLNK,
      isSpecial: ![0, S_IFREG, S_IFDIR, S_IFLNK].includes(unixMode & S_IFMT),
      isDirectory: path.endsWith("/"),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function entryData(bytes: Uint8Array, entry: Entry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.byteLength || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    fail("archive_invalid", "corrupt zip local header", entry.path);
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.byteLength)
    fail("archive_invalid", "zip entry runs past the end of the archive", entry.path);
  return bytes.subarray(start, end);
}

/** Inflates with a hard cap: calls `overflow` (which throws) as soon as the output would exceed `maxBytes`. */
function inflateCapped(
  compressed: Uint8Array,
  maxBytes: number,
  path: string,
  overflow: () => never,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > maxBytes) overflow();
    chunks.push(chunk);
  });
  // Small input slices bound how much one push can expand before the count above stops it.
  const SLICE = 4096;
  try {
    for (let offset = 0; offset < compressed.length; offset += SLICE) {
      const end = Math.min(offset + SLICE, compressed.length);
      inflater.push(compressed.subarray(offset, end), end === compressed.length);
    }
    if (compressed.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // fflate throws plain errors ("invalid block type", "unexpected EOF") for a corrupt or cut deflate stream.
    fail("archive_invalid", `corrupt compressed data (${(error as Error).message})`, path);
  }
  const output = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    output.set(chunk, position);
    position += chunk.length;
  }
  return output;
}

/**
 * Unpacks a zip into a map of path → bytes, or throws a `ValidationError` listing every path problem found.
 * Directory entries are skipped; symlinks, encryption, unknown compression and duplicates are refused.
 */
export function readZip(bytes: Uint8Array, limits: ZipLimits = LIMITS): Map<string, Uint8Array> {
  const entries = readEntries(bytes, limits);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const path = entry.isDirectory ? entry.path.slice(0, -1) : entry.path;
    const problem = pathProblem(path);
    if (problem) problems.push({ code: "path_forbidden", message: problem, path: entry.path });
    else if (entry.isSymlink)
      problems.push({ code: "symlink_forbidden", message: "symlinks are not allowed", path });
    else if (entry.isSpecial)
      problems.push({ code: "special_file_forbidden", message: "not a regular file", path });
    else if (entry.flags & 1) problems.push({ code: "archive_invalid", message: "encrypted entry", path });
    else if (entry.method !== 0 && entry.method !== 8) {
      problems.push({
        code: "archive_invalid",
        message: `compression method ${entry.method} unsupported`,
        path,
      });
    } else if (!entry.isDirectory && seen.has(path)) {
      problems.push({ code: "archive_invalid", message: "duplicate entry", path });
    }
    seen.add(path);
  }
  // A file cannot also be a folder: `a` beside `a/b.md` unpacks on no disk (the install would fail half-way).
  const filePaths = new Set(entries.filter((e) => !e.isDirectory).map((e) => e.path));
  for (const path of filePaths) {
    const segments = path.split("/");
    for (let depth = 1; depth < segments.length; depth++) {
      const folder = segments.slice(0, depth).join("/");
      if (filePaths.has(folder)) {
        problems.push({ code: "archive_invalid", message: `${folder} is both a file and a folder`, path });
        break;
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const files = new Map<string, Uint8Array>();
  let unpacked = 0;
  for (const entry of entries) {
    if (entry.isDirectory) continue;
    const raw = entryData(bytes, entry);
    const fileTooLarge = () => fail("file_too_large", `larger than ${limits.fileBytes} bytes`, entry.path);
    // The message names the cap that was passed, not what was left of the total when this file began.
    const totalTooLarge = () =>
      fail(
        "decompression_limit",
        `all files together unpack to more than ${limits.unpackedBytes} bytes (the total cap), reached at this file`,
        entry.path,
      );
    const budget = Math.min(limits.fileBytes, limits.unpackedBytes - unpacked);
    const overflow = budget === limits.fileBytes ? fileTooLarge : totalTooLarge;
    const data = entry.method === 0 ? raw : inflateCapped(raw, budget, entry.path, overflow);
    if (data.length > limits.fileBytes) fileTooLarge();
    unpacked += data.length;
    if (unpacked > limits.unpackedBytes) totalTooLarge();
    // Corruption in transit must not be frozen into an immutable version (the registry re-packs with fresh CRCs).
    if (crc32(data) !== entry.crc) fail("archive_invalid", `CRC mismatch in ${entry.path}`, entry.path);
    files.set(entry.path, data);
  }
  return files;
}
