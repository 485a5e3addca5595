/**
 * One file per key under a directory: the layout of the fs blob store. (The fs session store keeps a journal
 * instead, see `fs.ts`; it shares only the file-system types and `isNotFound`.)
 *
 * Layout: the key `agent:abc:x` lives at `<dir>/agent/abc/x@<ext>`. Key characters never include `@`, so a value
 * file never collides with a directory and `agent:abc` may coexist with `agent:abc:x`. Writes go to a temp file
 * beside the target and are renamed over it, so a crash leaves the old or the new content, never half of it.
 * Created directories are cached, so a write costs one `writeFile` plus one `rename`.
 *
 * The file-system API is injected (pass `node:fs/promises`, which Node, Bun and Deno all provide) because the
 * gateway core may not import `node:*` itself.
 * @module
 */

/** The subset of `node:fs/promises` the file stores use. */
export interface FileSystemLike {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string, options: { withFileTypes: true }): Promise<DirectoryEntryLike[]>;
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
  /** Every key with a file, unsorted. Deletes temp files left behind by a crash. */
  list(): Promise<string[]>;
}

const SEGMENT = "[A-Za-z0-9._-]+";

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
 * @example
 * const tree = createFileTree({ dir: "./.data/blobs", fs: await import("node:fs/promises"), extension: ".bin" });
 * await tree.write("att:01J", new Uint8Array([1, 2]));
 */
export function createFileTree(options: { dir: string; fs: FileSystemLike; extension: string }): FileTree {
  const { fs } = options;
  const root = options.dir.replace(/[\\/]+$/, "") || "/";
  const suffix = `@${options.extension}`;
  const valueFile = new RegExp(`^(${SEGMENT})${suffix.replace(/\./g, "\\.")}$`);
  const createdDirectories = new Set<string>();
  // Unique per instance and per write, so concurrent writers never share a temp file.
  const tempTag = Math.random().toString(36).slice(2, 10);
  let tempCounter = 0;

  const directoryOf = (key: string): string => {
    const segments = key.split(":");
    segments.pop();
    return segments.length === 0 ? root : `${root}/${segments.join("/")}`;
  };
  const pathOf = (key: string): string => `${root}/${key.split(":").join("/")}${suffix}`;

  const ensureDirectory = async (directory: string): Promise<void> => {
    if (createdDirectories.has(directory)) return;
    await fs.mkdir(directory, { recursive: true });
    createdDirectories.add(directory);
  };

  const writeAtomically = async (key: string, data: string | Uint8Array): Promise<void> => {
    const target = pathOf(key);
    const temp = `${target}.${tempTag}-${tempCounter++}.tmp`;
    try {
      await fs.writeFile(temp, data);
      await fs.rename(temp, target);
    } catch (error) {
      await fs.unlink(temp).catch(() => {}); // best effort: the temp file may not exist
      throw error;
    }
  };

  const listDirectory = async (directory: string, keyPrefix: string, into: string[]): Promise<void> => {
    let entries: DirectoryEntryLike[];
    try {
      entries = await fs.readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const nested: Promise<void>[] = [];
    for (const entry of entries) {
      const path = `${directory}/${entry.name}`;
      if (entry.isDirectory()) {
        createdDirectories.add(path);
        nested.push(listDirectory(path, `${keyPrefix}${entry.name}:`, into));
        continue;
      }
      const match = valueFile.exec(entry.name);
      if (match) into.push(`${keyPrefix}${match[1]}`);
      else if (entry.name.endsWith(".tmp")) await fs.unlink(path).catch(() => {}); // crash leftover; may race a delete
    }
    await Promise.all(nested);
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
        createdDirectories.delete(directory);
        await ensureDirectory(directory);
        await writeAtomically(key, data);
      }
    },
    async remove(key) {
      try {
        await fs.unlink(pathOf(key));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    async list() {
      const keys: string[] = [];
      await listDirectory(root, "", keys);
      return keys;
    },
  };
}
