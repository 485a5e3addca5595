/**
 * The real `node:fs/promises` with the journal's file handles wrapped, for tests of the fs session store: counting
 * (and optionally failing) writes, or holding one step (`write` or `datasync`) until the test lets it through.
 */
import * as fs from "node:fs/promises";
import type { FileHandleLike, JournalFileSystem } from "../../gateway/src/session-stores/fs.ts";

/** `fs` with each opened handle's methods passed through `wrap` (given the real handle). */
function wrappingFs(wrap: (handle: FileHandleLike) => Partial<FileHandleLike>): JournalFileSystem {
  return {
    ...fs,
    async open(path: string, flags: string): Promise<FileHandleLike> {
      const handle = await fs.open(path, flags);
      return {
        write: (data, offset, length, position) => handle.write(data, offset, length, position),
        truncate: (length) => handle.truncate(length),
        datasync: () => handle.datasync(),
        sync: () => handle.sync(),
        close: () => handle.close(),
        ...wrap(handle),
      };
    },
  };
}

/** Counts the writes made on journal handles, optionally failing them (a full disk). */
export function countingFs(options: { failWrites?: () => boolean } = {}) {
  const counts = { writes: 0 };
  const wrapped = wrappingFs((handle) => ({
    write(data, offset, length, position) {
      counts.writes++;
      if (options.failWrites?.()) {
        return Promise.reject(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
      }
      return handle.write(data, offset, length, position);
    },
  }));
  return { fs: wrapped, counts };
}

/**
 * Holds each `step` call made after `hold()` until `release()` (which also stops holding); counts the calls. The
 * journal writes one batch at a time, so while one is held the next lines gather in one batch.
 */
export function heldFs(step: "write" | "datasync") {
  let holding = false;
  let release: () => void = () => {};
  const gate = { calls: 0 };
  const wait = async () => {
    gate.calls++;
    if (holding) {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    }
  };
  const wrapped = wrappingFs((handle) =>
    step === "write"
      ? {
          write: async (data, offset, length, position) => {
            await wait();
            return handle.write(data, offset, length, position);
          },
        }
      : {
          datasync: async () => {
            await wait();
            await handle.datasync();
          },
        },
  );
  return {
    fs: wrapped,
    gate,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      release();
    },
  };
}
