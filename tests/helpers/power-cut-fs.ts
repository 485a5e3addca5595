/**
 * An in-memory file system with the durability rules of a POSIX disk, for crash tests of the fs session store and
 * the fs blob store. It stands in for the kernel, not for our code: the stores run unchanged on top of it.
 *
 * - A file's bytes become durable only with `sync`/`datasync` on a handle of it (`writeFile` syncs nothing).
 * - A name (created, renamed, unlinked) becomes durable only with `sync` on a handle of its directory. So does a
 *   directory `mkdir` created: lost to a power cut, it takes everything below it along. (`mkdir` returns the first
 *   directory it created, as Node's `recursive` does.)
 * - `crashAt(n)`: the n-th operation (counting from 1) and every later one fail without effect, as if the process
 *   died just before it. `afterCrash(kind)` then returns the disk a restarted process would find:
 *   - `"process"`: the process died, the kernel did not: everything written is still there (page cache).
 *   - `"power"`: only what was synced survives.
 *   - `"power-torn"`: as `"power"`, but a file that only grew keeps a random part of its unsynced tail, as a disk
 *     that wrote some sectors before power went out (seeded, so a failure can be replayed).
 *   - `"power-pages"`: as `"power"`, but every unsynced page (`PAGE_BYTES`) of a file lands or not on its own, in
 *     no order, and a file's unsynced new length lands or not: a disk that wrote some of the pages of an overwrite.
 * - A file opened with `O_DSYNC` (numeric flags, `POWER_CUT_FLAGS`) makes each write's bytes durable as the write
 *   returns. The write lands first and becomes durable as a second step, so a crash can fall between the two, as a
 *   power cut can during a real `O_DSYNC` write: the bytes are then unsynced, for the kinds above to keep or lose.
 */
import type { DirectoryEntryLike } from "../../gateway/src/session-stores/_fs-files.ts";
import type { FileHandleLike, JournalFileSystem } from "../../gateway/src/session-stores/fs.ts";

export type CrashKind = "process" | "power" | "power-torn" | "power-pages";

/** Small pages, so that one batch of the crash scenario spans several of them. */
const PAGE_BYTES = 64;

interface Inode {
  data: Uint8Array;
  durable: Uint8Array;
}

/** What `open`'s flags ask for: `"r…"`/`"w…"` as `node:fs` strings, or `POWER_CUT_FLAGS` or'ed together. */
function openMode(flags: string | number): { create: boolean; truncate: boolean; writeThrough: boolean } {
  if (typeof flags === "string") {
    const create = !flags.startsWith("r");
    return { create, truncate: flags.startsWith("w"), writeThrough: false };
  }
  const has = (flag: number) => (flags & flag) !== 0;
  return {
    create: has(POWER_CUT_FLAGS.O_CREAT),
    truncate: has(POWER_CUT_FLAGS.O_TRUNC),
    writeThrough: has(POWER_CUT_FLAGS.O_DSYNC),
  };
}

const parentOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf("/"), 0)) || "/";
const nameOf = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const fsError = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code });

/** This disk's open flags (Linux's values), for `writeThrough` and numeric `open` flags. */
export const POWER_CUT_FLAGS = { O_RDWR: 2, O_CREAT: 64, O_TRUNC: 512, O_DSYNC: 4096 } as const;

export class PowerCutDisk {
  /** Operations attempted so far (each fs call and each handle call is one). */
  operations = 0;
  /** Syncs of files and directories that took effect. */
  syncs = 0;
  /** Writes that made their bytes durable themselves (`O_DSYNC`), not counted in `syncs`. */
  syncedWrites = 0;
  /** Renames that took effect (a compaction makes one). */
  renames = 0;
  private crashAtOperation = Number.POSITIVE_INFINITY;
  private readonly names = new Map<string, Inode>();
  private readonly durableNames = new Map<string, Inode>();
  private readonly directories = new Set<string>(["/"]);
  private readonly durableDirectories = new Set<string>(["/"]);

  get crashed(): boolean {
    return this.operations >= this.crashAtOperation;
  }

  crashAt(operation: number): void {
    this.crashAtOperation = operation;
  }

  /** The disk a restarted process finds (see the module comment). */
  afterCrash(kind: CrashKind, seed = 1): PowerCutDisk {
    const next = new PowerCutDisk();
    const survives = (directory: string): boolean =>
      directory === "/" ||
      (kind === "process"
        ? this.directories.has(directory)
        : this.durableDirectories.has(directory) && survives(parentOf(directory)));
    for (const directory of this.directories) {
      if (survives(directory)) {
        next.directories.add(directory);
        next.durableDirectories.add(directory);
      }
    }
    let random = seed;
    const nextRandom = () => {
      random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
      return random / 2 ** 31;
    };
    const survivors = kind === "process" ? this.names : this.durableNames;
    const copies = new Map<Inode, Inode>();
    for (const [path, inode] of survivors) {
      if (!next.directories.has(parentOf(path))) continue;
      let copy = copies.get(inode);
      if (copy === undefined) {
        let data = kind === "process" ? inode.data : inode.durable;
        if (kind === "power-torn" && grewFrom(inode.data, inode.durable)) {
          const extra = Math.floor(nextRandom() * (inode.data.length - inode.durable.length + 1));
          data = inode.data.subarray(0, inode.durable.length + extra);
        }
        if (kind === "power-pages") data = somePagesLanded(inode, nextRandom);
        copy = { data: data.slice(), durable: data.slice() };
        copies.set(inode, copy);
      }
      next.names.set(path, copy);
      next.durableNames.set(path, copy);
    }
    return next;
  }

  /** The file's current bytes as text (for assertions), or null when there is no such file. */
  text(path: string): string | null {
    const inode = this.names.get(path);
    return inode ? new TextDecoder().decode(inode.data) : null;
  }

  /** One operation: fails without effect once the crash point is reached. */
  private step(): void {
    this.operations++;
    if (this.crashed) throw fsError("EIO", "simulated crash: the process is gone");
  }

  private file(path: string): Inode {
    const inode = this.names.get(path);
    if (!inode) throw fsError("ENOENT", `no such file ${path}`);
    return inode;
  }

  private syncDirectory(directory: string): void {
    for (const path of [...this.durableNames.keys()]) {
      if (parentOf(path) === directory && !this.names.has(path)) this.durableNames.delete(path);
    }
    for (const [path, inode] of this.names) {
      if (parentOf(path) === directory) this.durableNames.set(path, inode);
    }
    for (const child of this.directories) {
      if (child !== directory && parentOf(child) === directory) this.durableDirectories.add(child);
    }
    this.syncs++;
  }

  /** Makes bytes `from`–`to` of the file durable, and its length if it grew past them (an `O_DSYNC` write). */
  private syncRange(inode: Inode, from: number, to: number): void {
    const durable = new Uint8Array(Math.max(inode.durable.length, to));
    durable.set(inode.durable);
    durable.set(inode.data.subarray(from, to), from);
    inode.durable = durable;
    this.syncedWrites++;
  }

  private handle(path: string, inode: Inode | null, writeThrough = false): FileHandleLike {
    const isDirectory = inode === null;
    const op = async <T>(work: () => T): Promise<T> => {
      await Promise.resolve(); // an I/O boundary, so other work can interleave as with a real disk
      this.step();
      return work();
    };
    const syncFile = () =>
      op(() => {
        if (isDirectory) this.syncDirectory(path);
        else {
          inode.durable = inode.data.slice();
          this.syncs++;
        }
      });
    const write: FileHandleLike["write"] = (data, offset, length, position) =>
      op(() => {
        if (isDirectory) throw fsError("EISDIR", path);
        const at = position ?? inode.data.length;
        const next = new Uint8Array(Math.max(inode.data.length, at + length));
        next.set(inode.data);
        next.set(data.subarray(offset, offset + length), at);
        inode.data = next;
        return { bytesWritten: length };
      });
    return {
      write: writeThrough
        ? async (data, offset, length, position) => {
            const at = position ?? inode!.data.length;
            const written = await write(data, offset, length, position);
            await op(() => this.syncRange(inode!, at, at + written.bytesWritten));
            return written;
          }
        : write,
      truncate: (length) =>
        op(() => {
          if (isDirectory) throw fsError("EISDIR", path);
          inode.data = inode.data.slice(0, length);
        }),
      datasync: syncFile,
      sync: syncFile,
      close: () => op(() => {}),
    };
  }

  /** The `node:fs/promises` subset the fs session store takes. */
  readonly fs: JournalFileSystem = {
    open: async (path, flags) => {
      await Promise.resolve();
      this.step();
      if (this.directories.has(path)) return this.handle(path, null);
      if (!this.directories.has(parentOf(path))) throw fsError("ENOENT", `no directory ${parentOf(path)}`);
      const { create, truncate, writeThrough } = openMode(flags);
      let inode = this.names.get(path);
      if (!create) return this.handle(path, this.file(path), writeThrough);
      if (inode === undefined) {
        inode = { data: new Uint8Array(), durable: new Uint8Array() };
        this.names.set(path, inode);
      } else if (truncate) {
        inode.data = new Uint8Array();
      }
      return this.handle(path, inode, writeThrough);
    },
    readFile: async (path) => {
      await Promise.resolve();
      this.step();
      return this.file(path).data.slice();
    },
    writeFile: async (path, data) => {
      await Promise.resolve();
      this.step();
      if (!this.directories.has(parentOf(path))) throw fsError("ENOENT", `no directory ${parentOf(path)}`);
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data.slice();
      const inode = this.names.get(path);
      if (inode) inode.data = bytes;
      else this.names.set(path, { data: bytes, durable: new Uint8Array() });
    },
    rename: async (from, to) => {
      await Promise.resolve();
      this.step();
      this.names.set(to, this.file(from));
      this.names.delete(from);
      this.renames++;
    },
    unlink: async (path) => {
      await Promise.resolve();
      this.step();
      this.file(path);
      this.names.delete(path);
    },
    mkdir: async (path) => {
      await Promise.resolve();
      this.step();
      let first: string | undefined;
      for (let current = path; !this.directories.has(current); current = parentOf(current)) {
        this.directories.add(current);
        first = current;
      }
      return first;
    },
    readdir: async (path) => {
      await Promise.resolve();
      this.step();
      if (!this.directories.has(path)) throw fsError("ENOENT", `no directory ${path}`);
      const entries: DirectoryEntryLike[] = [];
      for (const file of this.names.keys()) {
        if (parentOf(file) === path) entries.push({ name: nameOf(file), isDirectory: () => false });
      }
      for (const directory of this.directories) {
        if (directory !== path && parentOf(directory) === path) {
          entries.push({ name: nameOf(directory), isDirectory: () => true });
        }
      }
      return entries;
    },
  };
}

/**
 * Runs `scenario` on a clean disk to count its operations, then on a fresh disk that crashes before each of them
 * in turn; `check` gets what the run saw and the disk a restarted process would find after a `kind` crash, and
 * returns what is wrong there. The problems come back marked with their crash point.
 */
export async function crashAtEveryStep<Run>(
  scenario: (disk: PowerCutDisk) => Promise<Run>,
  check: (run: Run, crashed: PowerCutDisk) => Promise<string[]>,
  kind: CrashKind,
): Promise<{ points: number; problems: string[] }> {
  const clean = new PowerCutDisk();
  await scenario(clean);
  const points = clean.operations + 1;
  const problems: string[] = [];
  for (let point = 1; point <= points; point++) {
    const disk = new PowerCutDisk();
    disk.crashAt(point);
    const run = await scenario(disk);
    for (const problem of await check(run, disk.afterCrash(kind, point))) {
      problems.push(`crash before operation ${point}: ${problem}`);
    }
  }
  return { points, problems };
}

/** The synced bytes, with each page that changed since replaced by its unsynced version or not, at random. */
function somePagesLanded(inode: Inode, random: () => number): Uint8Array {
  const { data, durable } = inode;
  const length = data.length === durable.length || random() < 0.5 ? durable.length : data.length;
  const result = new Uint8Array(length);
  result.set(durable.subarray(0, length));
  for (let page = 0; page < length; page += PAGE_BYTES) {
    const end = Math.min(page + PAGE_BYTES, length);
    if (random() < 0.5) result.set(data.subarray(page, Math.min(end, data.length)), page);
  }
  return result;
}

function grewFrom(data: Uint8Array, durable: Uint8Array): boolean {
  if (data.length <= durable.length) return false;
  for (let i = 0; i < durable.length; i++) if (data[i] !== durable[i]) return false;
  return true;
}
