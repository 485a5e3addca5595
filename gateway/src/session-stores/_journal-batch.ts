/**
 * A group-commit batch of the fs session store's journal (lines that go out in one write and share one promise),
 * and a write that loops until every byte is out.
 * @module
 */

/** The part of a file handle a batch write needs. */
export interface WritableHandle {
  /** At `position`, or at the end of the file when it is null. */
  write(
    data: Uint8Array,
    offset: number,
    length: number,
    position: number | null,
  ): Promise<{ bytesWritten: number }>;
}

export interface Batch {
  lines: string[];
  done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // A batch nobody awaits (an expiry removal) must not surface as an unhandled rejection.
  done.catch(() => {});
  return { lines: [], done, resolve, reject };
}

/** Writes all of `data` at `position`, or at the end of the file when it is null. */
export async function writeAll(
  handle: WritableHandle,
  data: Uint8Array,
  position: number | null = null,
): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    const at = position === null ? null : position + offset;
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, at);
    offset += bytesWritten;
  }
}
