/**
 * A group-commit batch of the fs session store's journal (lines that go out in one write and share one promise),
 * its encoding, and a write that loops until every byte is out.
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
  /** Where each key's relaxed line is in `lines` (`addRelaxed`). */
  relaxedAt: Map<string, number>;
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
  return { lines: [], relaxedAt: new Map(), done, resolve, reject };
}

/**
 * Appends relaxed lines (one per key) to `batch`, blanking a key's earlier relaxed line in it: replay applies a batch
 * whole or not at all (its commit line), and the later line of the key decides its value either way. Durable tasks
 * written together (group commit) thus share one count line per token.
 */
export function addRelaxed(batch: Batch, held: ReadonlyMap<string, string>): void {
  const { lines, relaxedAt } = batch;
  for (const [key, line] of held) {
    const earlier = relaxedAt.get(key);
    if (earlier !== undefined) lines[earlier] = "";
    relaxedAt.set(key, lines.push(line) - 1);
  }
}

/** Bytes of encoding buffer kept between batches; a bigger batch gets a buffer of its own. */
const KEPT_BUFFER_BYTES = 1024 * 1024;

/**
 * Encodes batches into one buffer reused from batch to batch. Fresh buffers per batch (one for the lines, one for
 * the commit line, one for both) were new memory that the allocator handed back to the OS and faulted in again; on
 * a virtual machine those page faults cost more than the encoding. A batch's bytes are valid until the next
 * `encode`, which is safe because batches are written one at a time.
 */
export function createBatchEncoder(): {
  encode(lines: readonly string[], trailer: (bytes: number) => string): Uint8Array;
} {
  const encoder = new TextEncoder();
  let kept = new Uint8Array(64 * 1024);
  return {
    /** The lines, then `trailer(bytes of the lines)` (the commit line), as UTF-8. */
    encode(lines, trailer) {
      // Joined, then encoded in one call: for 96 lines, 2.8 µs on Bun and 3.4 µs on Node, against 5 and 7 µs
      // encoding line by line (a view per line) and 6 and 17 µs for the fresh buffers this replaced.
      const text = lines.join("");
      // UTF-8 takes at most 3 bytes per UTF-16 code unit; the trailer is a short ASCII line.
      const needed = text.length * 3 + 64;
      if (needed > kept.length && needed <= KEPT_BUFFER_BYTES) {
        kept = new Uint8Array(Math.min(needed * 2, KEPT_BUFFER_BYTES));
      }
      const buffer = needed <= kept.length ? kept : new Uint8Array(needed);
      const { written } = encoder.encodeInto(text, buffer);
      const tail = encoder.encodeInto(trailer(written), buffer.subarray(written));
      return buffer.subarray(0, written + tail.written);
    },
  };
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
