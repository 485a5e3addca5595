/**
 * The start-up lines of the embedded fs store, when what it acknowledges is kept less well than on a disk with
 * the default setting: `AGENT_MESH_FS_SYNC` set to a window or `off`, or a data folder on a file system that
 * loses what is synced to it anyway (tmpfs, ramfs: gone at reboot) or goes with its container (overlayfs, a
 * container's own layer). The store syncs every acknowledged write either way; these lines say when that is not
 * worth what an operator would expect, since nothing else would. Printed by the gateway entries on the fs store,
 * by `agent-mesh gateway` and by the standalone skills registry on its fs store.
 * @module
 */
import { statfs } from "node:fs/promises";
import { parseFsSyncMode } from "../../gateway/src/session-stores/fs.ts";

/** The line for an `AGENT_MESH_FS_SYNC` that syncs less than before each answer, or null for the default. */
export function fsSyncNote(setting: string | undefined): string | null {
  const sync = parseFsSyncMode(setting);
  if (sync === "always") return null;
  const lost =
    sync === "off"
      ? "acknowledged writes reach the OS, not the disk: a power cut or kernel crash can lose the last half minute of them"
      : `acknowledged writes are synced within ${sync.everyMs} ms: a power cut or kernel crash can lose that much of them`;
  return `  AGENT_MESH_FS_SYNC=${setting}: ${lost}; "always" (the default) syncs before each answer (docs/storage.md).`;
}

/** `statfs` file-system types (Linux's `linux/magic.h`) that keep their files in memory. */
const IN_MEMORY = new Map([
  [0x01021994, "tmpfs"],
  [0x858458f6, "ramfs"],
]);
const OVERLAYFS = 0x794c7630;

/** The line for a data folder on a file system of this `statfs` type, or null for a disk. */
export function volumeNote(dataDir: string, fsType: number): string | null {
  const inMemory = IN_MEMORY.get(fsType);
  if (inMemory !== undefined) {
    return (
      `WARNING: AGENT_MESH_DATA_DIR (${dataDir}) is on ${inMemory}, in memory: every acknowledged write is synced, ` +
      "but nothing there outlives a reboot; point AGENT_MESH_DATA_DIR at a disk (docs/storage.md)."
    );
  }
  if (fsType === OVERLAYFS) {
    return (
      `  AGENT_MESH_DATA_DIR (${dataDir}) is on overlayfs, as a container's own files are: they outlive a restart of ` +
      "the container, not its removal (a new image, docker rm); mount a volume there (docs/storage.md)."
    );
  }
  return null;
}

/** `volumeNote` for the file system `dataDir` is on; null when that cannot be told (no `statfs` type here). */
export async function dataDirVolumeNote(dataDir: string): Promise<string | null> {
  try {
    const { type } = await statfs(dataDir);
    return volumeNote(dataDir, Number(type));
  } catch {
    return null;
  }
}

/** Prints the fs store's lines, if any, for a data folder that exists. */
export async function printFsStoreNotes(dataDir: string, syncSetting: string | undefined): Promise<void> {
  for (const note of [fsSyncNote(syncSetting), await dataDirVolumeNote(dataDir)]) {
    if (note) console.log(note);
  }
}
