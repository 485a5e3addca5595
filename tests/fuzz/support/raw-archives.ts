/**
 * Archive writers that do what a hostile packer can: any entry name (`../`, absolute, backslashes, invalid UTF-8),
 * any unix mode (symlinks, FIFOs, directories), unknown compression methods, the encryption flag, duplicate names,
 * lying size fields — which fflate's `zipSync` (an object of unique names) never writes. Plus a ustar writer
 * (symlinks and hardlinks pointing outside, huge declared sizes): the registry takes zip only, so a tar must be
 * refused too.
 */
import { deflateSync } from "fflate";

export interface RawZipEntry {
  name: Uint8Array;
  data: Uint8Array;
  /** 0 stored, 8 deflated, anything else unsupported. */
  method: number;
  /** Unix mode in the high 16 bits of the external attributes (0: none). */
  mode: number;
  /** General-purpose flags (bit 0: encrypted). */
  flags: number;
  /** Overrides the compressed size in the central directory (a lie about where the data ends). */
  declaredSize?: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

class Writer {
  parts: Uint8Array[] = [];
  length = 0;
  bytes(data: Uint8Array) {
    this.parts.push(data);
    this.length += data.length;
  }
  u16(value: number) {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, value & 0xffff, true);
    this.bytes(b);
  }
  u32(value: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.bytes(b);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

export function rawZip(entries: RawZipEntry[]): Uint8Array {
  const w = new Writer();
  const central: Array<{ entry: RawZipEntry; offset: number; size: number; crc: number }> = [];
  for (const entry of entries) {
    const body = entry.method === 8 ? deflateSync(entry.data) : entry.data;
    const crc = crc32(entry.data);
    central.push({ entry, offset: w.length, size: body.length, crc });
    w.u32(0x04034b50);
    w.u16(20);
    w.u16(entry.flags);
    w.u16(entry.method);
    w.u32(0);
    w.u32(crc);
    w.u32(body.length);
    w.u32(entry.data.length);
    w.u16(entry.name.length);
    w.u16(0);
    w.bytes(entry.name);
    w.bytes(body);
  }
  const directoryOffset = w.length;
  for (const { entry, offset, size, crc } of central) {
    w.u32(0x02014b50);
    w.u16((3 << 8) | 20); // made by unix
    w.u16(20);
    w.u16(entry.flags);
    w.u16(entry.method);
    w.u32(0);
    w.u32(crc);
    w.u32(entry.declaredSize ?? size);
    w.u32(entry.data.length);
    w.u16(entry.name.length);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    w.u32((entry.mode << 16) >>> 0);
    w.u32(offset);
    w.bytes(entry.name);
  }
  const directorySize = w.length - directoryOffset;
  w.u32(0x06054b50);
  w.u16(0);
  w.u16(0);
  w.u16(entries.length);
  w.u16(entries.length);
  w.u32(directorySize);
  w.u32(directoryOffset);
  w.u16(0);
  return w.done();
}

export interface TarEntry {
  name: string;
  /** "0" file, "1" hardlink, "2" symlink, "5" directory. */
  type: string;
  linkName?: string;
  data: Uint8Array;
  /** Overrides the size field (a huge declared size over a short body). */
  declaredSize?: number;
}

function field(block: Uint8Array, at: number, length: number, value: string): void {
  block.set(new TextEncoder().encode(value).subarray(0, length), at);
}

export function rawTar(entries: TarEntry[]): Uint8Array {
  const w = new Writer();
  for (const entry of entries) {
    const header = new Uint8Array(512);
    field(header, 0, 100, entry.name);
    field(header, 100, 8, "0000644\0");
    field(header, 124, 12, `${(entry.declaredSize ?? entry.data.length).toString(8).padStart(11, "0")}\0`);
    field(header, 156, 1, entry.type);
    field(header, 157, 100, entry.linkName ?? "");
    field(header, 257, 6, "ustar\0");
    field(header, 148, 8, "        ");
    const sum = header.reduce((a, b) => a + b, 0);
    field(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    w.bytes(header);
    w.bytes(entry.data);
    w.bytes(new Uint8Array((512 - (entry.data.length % 512)) % 512));
  }
  w.bytes(new Uint8Array(1024));
  return w.done();
}
