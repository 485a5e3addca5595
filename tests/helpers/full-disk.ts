/**
 * `node:fs/promises` with a switch that makes the disk "full": while on, every write to an open file fails with the
 * kernel's ENOSPC error, as on a full volume. Everything else is the real file system (reads keep working).
 */
import * as fs from "node:fs/promises";
import type { JournalFileSystem } from "../../gateway/src/session-stores/fs.ts";

export function fillableDisk() {
  let full = false;
  const enospc = () =>
    Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
  const guard = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== "function") return value;
        if (full && (property === "write" || property === "writeFile" || property === "appendFile")) {
          return async () => {
            throw enospc();
          };
        }
        return property === "open"
          ? async (...args: unknown[]) =>
              guard(await (value as (...a: unknown[]) => Promise<object>).apply(object, args))
          : value.bind(object);
      },
    });
  return {
    fs: guard(fs) as unknown as JournalFileSystem,
    fill: () => {
      full = true;
    },
    free: () => {
      full = false;
    },
  };
}
