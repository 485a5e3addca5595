/**
 * Keeps two gateway processes off one data directory: the fs store holds its dataset in one process's memory and
 * appends to one journal, so a second writer would corrupt both views. A `gateway.lock` file holds the owner's PID;
 * a lock whose process is gone (crash, kill -9) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";

/** Takes the lock or throws `data_dir_locked`; returns the function that releases it. */
export function lockDataDir(dir: string): () => void {
  const path = `${dir}/gateway.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw error;
    }
    const owner = Number(readFileSync(path, "utf8").trim());
    if (owner === process.pid) return () => {}; // the same process opened it before and will release it
    if (isAlive(owner)) {
      throw Object.assign(
        new Error(
          `[gateway] [store] data directory ${dir} is in use by process ${owner}; stop that gateway or set ` +
            "AGENT_MESH_DATA_DIR to another directory",
        ),
        { code: "data_dir_locked" },
      );
    }
    rmSync(path, { force: true }); // stale lock of a dead process
  }
  throw new Error(`[gateway] [store] could not lock ${dir}: another process keeps taking it`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}
