/**
 * Hashes over Web Crypto: npm-style SRI integrity (sha512), the discovery RFC's `sha256:<hex>` digest, and a
 * content digest of a file set that does not depend on how it was archived.
 * @module
 */

async function digest(algorithm: "SHA-256" | "SHA-512", data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>));
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `sha512-<base64>`, the Subresource Integrity string npm writes in `dist.integrity`. */
export async function integrityOf(data: Uint8Array): Promise<string> {
  return `sha512-${toBase64(await digest("SHA-512", data))}`;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  return toHex(await digest("SHA-256", data));
}

/** `sha256:<64 hex>` as the Agent Skills discovery index wants it. */
export async function discoveryDigestOf(data: Uint8Array): Promise<string> {
  return `sha256:${await sha256Hex(data)}`;
}

/**
 * Digest of a set of files, independent of archive format: SHA-256 over sorted `path\0<sha256 hex>\n` lines (the
 * discovery draft's manifest rule). Used to detect local edits of an installed skill.
 */
export async function contentDigestOf(files: ReadonlyMap<string, Uint8Array>): Promise<string> {
  const paths = [...files.keys()].sort(compareBytes);
  let manifest = "";
  for (const path of paths) manifest += `${path}\0${await sha256Hex(files.get(path)!)}\n`;
  return `sha256:${await sha256Hex(new TextEncoder().encode(manifest))}`;
}

/** Byte-order comparison for ASCII paths (what `Array.prototype.sort` does not promise for mixed case). */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
