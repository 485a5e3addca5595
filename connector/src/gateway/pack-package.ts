/**
 * Packs an installed connector package back into an npm tarball (`package/...` entries in a gzipped ustar
 * archive), so `agent-mesh gateway` run from an install can serve its own connector at `/dl/` without the
 * original tarball. Entries are sorted, with fixed mtimes and owners, so the same files give the same bytes.
 * @module
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { gzipSync } from "fflate";

/** What the package ships (package.json `files` plus what npm always includes). */
const SHIPPED = ["package.json", "README.md", "LICENSE", "bin", "dist"];
/** npm pack's own fixed timestamp (1985-10-26T08:15:00Z), in seconds. */
const MTIME = 499162500;

export async function packPackage(root: string): Promise<Uint8Array> {
  const files: string[] = [];
  for (const entry of SHIPPED) await collect(root, join(root, entry), files);
  files.sort();
  const parts: Uint8Array[] = [];
  for (const file of files) {
    const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
    const name = `package/${relative(root, file).split(sep).join("/")}`;
    parts.push(
      header(name, bytes.byteLength, info.mode & 0o111 ? 0o755 : 0o644),
      bytes,
      padding(bytes.byteLength),
    );
  }
  parts.push(new Uint8Array(1024)); // two zero blocks end the archive
  return gzipSync(concat(parts), { mtime: 0, level: 9 });
}

async function collect(root: string, path: string, into: string[]): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return;
  if (info.isFile()) into.push(path);
  else if (info.isDirectory())
    for (const name of await readdir(path)) await collect(root, join(path, name), into);
}

function header(name: string, size: number, mode: number): Uint8Array {
  const block = new Uint8Array(512);
  const encoder = new TextEncoder();
  const put = (offset: number, length: number, text: string) => {
    const bytes = encoder.encode(text);
    if (bytes.byteLength > length) throw new Error(`tar field too long: ${text}`);
    block.set(bytes, offset);
  };
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, "0")}\0`;
  put(0, 100, name);
  put(100, 8, octal(mode, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(size, 12));
  put(136, 12, octal(MTIME, 12));
  put(148, 8, "        "); // the checksum counts its own field as spaces
  put(156, 1, "0");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

function padding(size: number): Uint8Array {
  return new Uint8Array((512 - (size % 512)) % 512);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
