/**
 * The once-per-deployment passes that index what versions before an index stored (util/sorted-index.ts,
 * `oncePerDeployment`), and what a new store needs of them: nothing. Everything this version writes is indexed as
 * it is written, but a pass cannot tell an agent it indexed at creation from one an older version left, so on a new
 * deployment the first listing used to read every agent and index it again (on workerd, 258 ms before the first
 * page of a fleet of 2,101 agents, all created by this version).
 *
 * So at boot, once per store: if none of the keys any pass reads exist yet, every pass is marked done.
 * @module
 */
import { TOKEN_INDEX_PASS } from "../auth/tokens.ts";
import type { SessionStore } from "../session-stores/types.ts";
import type { IndexPass } from "../util/sorted-index.ts";
import { DIRECTORY_INDEX_PASS } from "./agent-directory.ts";
import { INBOX_INDEX_PASS } from "./inbox-index.ts";
import { BACKLOG_INDEX_PASS, PENDING_KEYS_PASS } from "./task-backlog.ts";
import { TASK_OWNER_INDEX_PASS } from "./task-owner-index.ts";

export const INDEX_PASSES: readonly IndexPass[] = [
  DIRECTORY_INDEX_PASS,
  BACKLOG_INDEX_PASS,
  PENDING_KEYS_PASS,
  TASK_OWNER_INDEX_PASS,
  INBOX_INDEX_PASS,
  TOKEN_INDEX_PASS,
];

/** Set by the first boot of a gateway that checked the store; later boots read it and stop there. */
export const STORE_CHECKED = "meta:index-passes-checked";

/**
 * Marks every pass done on a store where none has anything to read; call it before the boot writes anything (the
 * admin token). A store some earlier version wrote to keeps its passes, which run on first use as before. On redis
 * and upstash each prefix looked at is a keyspace scan, so it stops at the first that holds keys, and it runs once
 * per store.
 */
export async function skipIndexPassesOnNewStore(store: SessionStore): Promise<void> {
  if ((await store.get(STORE_CHECKED)) !== null) return;
  let nothingToIndex = true;
  for (const pass of INDEX_PASSES) {
    if ((await store.keys(pass.reads)).length > 0) {
      nothingToIndex = false;
      break;
    }
  }
  const now = new Date().toISOString();
  if (nothingToIndex) await Promise.all(INDEX_PASSES.map((pass) => store.set(pass.marker, now)));
  await store.set(STORE_CHECKED, now);
}
