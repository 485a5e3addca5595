/**
 * A group-commit batch of the fs session store's journal (lines that go out in one write and share one promise),
 * and a write that loops until every byte is out.
 * @module
 */

/** The part of a file handle a batch write needs. */
export interface WritableHandle {
  write(data: Uint8Array, offset: number, length: number, position: null): Promise<{ bytesWritten: number }>;
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

export async function writeAll(handle: WritableHandle, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.length; ) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, null);
    offset += bytesWritten;
  }
}
