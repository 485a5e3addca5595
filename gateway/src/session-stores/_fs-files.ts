/**
 * One file per key under a directory: the layout of the fs blob store. (The fs session store keeps a journal
 * instead, see `fs.ts`; it shares the file-system types, `isNotFound` and `syncCreatedDirectories`.)
 *
 * Layout: the key `agent:abc:x` lives at `<dir>/agent/abc/x@<ext>`. Key characters never include `@`, so a value
 * file never collides with a directory and `agent:abc` may coexist with `agent:abc:x`. Writes go to a temp file
 * beside the target and are renamed over it, so a crash leaves the old or the new content, never half of it.
 *
 * Synced (`sync: true`), a write resolves only once a power cut can no longer take it: the temp file's bytes are
 * `fdatasync`ed before the rename (else the new name could point at an empty file), and the directory after it
 * (else the rename itself could be lost); a removal syncs its directory too. The first write into a folder in this
 * process also syncs the parent of every folder from it up to the tree's own, and above that what `mkdir -p`
 * created: a folder's entry is durable only once its parent is synced, and a crashed run may have left one unsynced.
 * Unsynced, a write costs one `writeFile` plus one `rename`. The first write into a folder that was there before
 * also removes the temp files a crash left in it.
 *
 * The file-system API is injected (pass `node:fs/promises`, which Node, Bun and Deno all provide) because the
 * gateway core may not import `node:*` itself.
 * @module
 */

import { type WritableHandle, writeAll } from "./_journal-batch.ts";
import { type SyncableHandle, syncDirectory } from "./_journal-sync.ts";

/** The subset of `node:fs/promises` the file stores use. */
export interface FileSystemLike {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string, options: { withFileTypes: true }): Promise<DirectoryEntryLike[]>;
}

/** What a synced file tree needs besides: handles that write and sync a file, or sync a directory. */
export interface SyncingFileSystem extends FileSystemLike {
  open(path: string, flags: string): Promise<WritableHandle & SyncableHandle & { datasync(): Promise<void> }>;
}

export interface DirectoryEntryLike {
  name: string;
  isDirectory(): boolean;
}

export interface FileTree {
  /** Bytes stored under `key`, or `null` when there is no file. */
  read(key: string): Promise<Uint8Array | null>;
  /** Atomically replaces the file of `key` (temp file + rename). */
  write(key: string, data: string | Uint8Array): Promise<void>;
  /** Removes the file of `key`; a missing file is fine. */
  remove(key: string): Promise<void>;
}

/** The last segment of a path (separated by `/` or `\`, trailing separators ignored). */
export const lastSegment = (path: string): string => path.replace(/[\\/]+$/, "").replace(/^.*[\\/]/, "");

/** The directory a path is in: `.` for a bare name, `/` for a top-level entry. */
export const parentOf = (path: string): string => {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
};

/** Whether a file-system error means "no such file". */
export function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ENOENT";
}

/**
 * `mkdir -p dir` created `firstCreated` and everything below it down to `dir`: each new entry's parent is synced.
 * Runtimes report `firstCreated` relative or absolute, so the walk goes up to the highest ancestor of that name:
 * syncing a directory too many costs a millisecond once, one too few could lose the data on a power cut.
 */
export async function syncCreatedDirectories(
  fs: Pick<SyncingFileSystem, "open">,
  dir: string,
  firstCreated: string,
): Promise<void> {
  const name = lastSegment(firstCreated);
  const chain = [dir];
  for (let parent = parentOf(dir); parent !== chain.at(-1); parent = parentOf(parent)) chain.push(parent);
  let top = 0;
  chain.forEach((path, i) => {
    if (lastSegment(path) === name) top = i;
  });
  for (let i = 0; i <= top; i++) await syncDirectory(fs, parentOf(chain[i]!));
}

/**
 * @example
 * const tree = createFileTree({ dir: "./.data/blobs", fs: await import("node:fs/promises"), extension: ".bin", sync: true });
 * await tree.write("att:01J", new Uint8Array([1, 2]));
 */
export function createFileTree(options: {
  dir: string;
  fs: SyncingFileSystem;
  extension: string;
  /** Resolve writes and removals only once they are on disk (see the module comment). */
  sync: boolean;
}): FileTree {
  const { fs, sync } = options;
  const root = options.dir.replace(/[\\/]+$/, "") || "/";
  const suffix = `@${options.extension}`;
  /** Directories made (and, synced, made durable) by this process; concurrent first writes share the work. */
  const readyDirectories = new Map<string, Promise<void>>();
  // Unique per instance and per write, so concurrent writers never share a temp file.
  const tempTag = Math.random().toString(36).slice(2, 10);
  let tempCounter = 0;

  const directoryOf = (key: string): string => {
    const segments = key.split(":");
    segments.pop();
    return segments.length === 0 ? root : `${root}/${segments.join("/")}`;
  };
  const pathOf = (key: string): string => `${root}/${key.split(":").join("/")}${suffix}`;

  /**
   * Temp files of writes that a crash interrupted, in a folder this process did not create: never read, so removed.
   * One of this tree's own can only be in flight.
   */
  const removeLeftovers = async (directory: string): Promise<void> => {
    const own = `.${tempTag}-`;
    for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
      if (entry.isDirectory() || !entry.name.endsWith(".tmp") || entry.name.includes(own)) continue;
      await fs.unlink(`${directory}/${entry.name}`).catch(() => {}); // gone already is fine
    }
  };
  /** The tree's own folder, made once; synced, its entry too (a crashed run may have left it unsynced). */
  let rootReady: Promise<void> | undefined;
  const ensureRoot = (): Promise<void> => {
    rootReady ??= (async () => {
      const firstCreated = await fs.mkdir(root, { recursive: true });
      if (firstCreated === undefined) await removeLeftovers(root);
      if (!sync) return;
      if (typeof firstCreated === "string") await syncCreatedDirectories(fs, root, firstCreated);
      else await syncDirectory(fs, parentOf(root));
    })();
    rootReady.catch(() => {
      rootReady = undefined;
    });
    return rootReady;
  };
  const makeDirectory = async (directory: string): Promise<void> => {
    await ensureRoot();
    if (directory === root) return;
    if ((await fs.mkdir(directory, { recursive: true })) === undefined) await removeLeftovers(directory);
    if (!sync) return;
    for (let below = directory; below !== root; below = parentOf(below))
      await syncDirectory(fs, parentOf(below));
  };
  const ensureDirectory = (directory: string): Promise<void> => {
    let ready = readyDirectories.get(directory);
    if (ready === undefined) {
      ready = makeDirectory(directory);
      readyDirectories.set(directory, ready);
      ready.catch(() => readyDirectories.delete(directory));
    }
    return ready;
  };

  const writeFile = async (path: string, data: string | Uint8Array): Promise<void> => {
    if (!sync) return fs.writeFile(path, data);
    const handle = await fs.open(path, "w");
    try {
      await writeAll(handle, typeof data === "string" ? new TextEncoder().encode(data) : data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  };

  const writeAtomically = async (key: string, data: string | Uint8Array): Promise<void> => {
    const target = pathOf(key);
    const temp = `${target}.${tempTag}-${tempCounter++}.tmp`;
    try {
      await writeFile(temp, data);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.unlink(temp).catch(() => {}); // best effort: the temp file may not exist
      throw error;
    }
    if (sync) await syncDirectory(fs, directoryOf(key));
  };

  return {
    async read(key) {
      try {
        return await fs.readFile(pathOf(key));
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async write(key, data) {
      const directory = directoryOf(key);
      await ensureDirectory(directory);
      try {
        await writeAtomically(key, data);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        // Someone removed the directory behind our cache: create it again and retry once.
        readyDirectories.delete(directory);
        await ensureDirectory(directory);
        await writeAtomically(key, data);
      }
    },
    async remove(key) {
      try {
        await fs.unlink(pathOf(key));
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      if (sync) await syncDirectory(fs, directoryOf(key));
    },
  };
}
