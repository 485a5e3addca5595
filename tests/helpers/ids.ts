/** Ids for tests of what the gateway does with an id's age. */
import { timeOfOrderedId, timeOrderedId } from "../../gateway/src/util/ids.ts";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/** A `timeOrderedId` as if made `ageMs` ago: its 10 time characters say so, the rest is a fresh id's. */
export function orderedIdMadeAgo(ageMs: number): string {
  let time = Date.now() - ageMs;
  let text = "";
  for (let i = 0; i < 10; i++, time = Math.floor(time / 32)) text = CROCKFORD[time % 32] + text;
  const id = text + timeOrderedId().slice(10);
  if (Math.abs(Date.now() - ageMs - timeOfOrderedId(id)) > 1000) throw new Error(`bad id ${id}`);
  return id;
}
