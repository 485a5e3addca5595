/**
 * The floor's durable intake, shared by the three floor servers: the least a server must do to answer 202 only once
 * a task is on disk. One JSON line per task, lines that arrive while a write is out share the next write and
 * `fdatasync` (group commit), written over space zero-filled ahead of time as the gateway's journal does in sync
 * mode `always`, and synced the same way: written through with `O_DSYNC` where the gateway does so, else with an
 * `fdatasync` after each write. No auth, no index, no queue, no commit lines: what the gateway adds on top is its
 * own cost.
 */
import { open } from "node:fs/promises";
import { writeAll } from "../../gateway/src/session-stores/_journal-batch.ts";
import { journalOpenFlags } from "../../gateway/src/session-stores/_journal-sync.ts";
import { writeThroughFlags } from "../../runtimes/shared/fs-stores.ts";

/** Zero-filled space added at a time, as the gateway's journal (`PREALLOCATE_BYTES`). */
const PREALLOCATE_BYTES = 4 * 1024 * 1024;

export interface FloorJournal {
  /** Resolves with the task's id once its line is written and synced. */
  accept(message: string): Promise<string>;
}

export async function openFloorJournal(path: string): Promise<FloorJournal> {
  const through = writeThroughFlags();
  const handle = await open(path, journalOpenFlags(true, through));
  const encoder = new TextEncoder();
  let size = 0;
  let allocated = 0;
  let nextId = 0;
  let queued: string[] = [];
  let waiting: (() => void)[] = [];
  let writing = false;

  const pump = async () => {
    writing = true;
    while (queued.length > 0) {
      const data = encoder.encode(queued.join(""));
      const done = waiting;
      queued = [];
      waiting = [];
      if (size + data.length > allocated) {
        const bytes = Math.max(PREALLOCATE_BYTES, data.length);
        await writeAll(handle, new Uint8Array(bytes), allocated);
        await handle.sync();
        allocated += bytes;
      }
      await writeAll(handle, data, size);
      if (through === null) await handle.datasync();
      size += data.length;
      for (const resolve of done) resolve();
    }
    writing = false;
  };

  return {
    accept(message) {
      const id = `task-${++nextId}`;
      queued.push(`${JSON.stringify({ id, message, created_at: new Date().toISOString() })}\n`);
      const written = new Promise<void>((resolve) => waiting.push(resolve));
      // A failed write ends the floor: a bench must not go on measuring a server that lost its disk.
      if (!writing)
        pump().catch((error: unknown) =>
          queueMicrotask(() => {
            throw error;
          }),
        );
      return written.then(() => id);
    },
  };
}

/** The 202 body: the task's id and state, as the gateway answers. */
export function acceptedJson(id: string): string {
  return JSON.stringify({ id, status: "submitted" });
}
