/**
 * What the requests of one home keep of their output for callers that re-attach (`PendingRequest.attach`), held to
 * one limit together (`AGENT_MESH_MAX_RESUME_BYTES`). Each request keeps at most 4 MiB (`HISTORY_LIMITS`), but a
 * node keeps that once per request: every live call (up to `AGENT_MESH_MAX_INFLIGHT` an agent) and every ending kept
 * for the resume window (up to 2,000). Any user can connect an agent that writes 4 MiB to each call while its callers
 * hang up, and make the node keep gigabytes for a resume nobody will ask for.
 *
 * Past the limit the requests keeping the most forget what they kept, until the total is under three quarters of
 * it: a caller that re-attaches to one of them from before gets `resume_gap`, as past a request's own limit, and
 * the calls themselves run on.
 *
 * The count needs no bookkeeping where a request is dropped (it is dropped in many places): it grows by every chunk
 * relayed, an upper bound of what is kept since requests keep only chunks relayed, and once it passes the limit
 * the home's requests are walked and measured, which sets it to what they really keep. Each walk leaves at most
 * three quarters of the limit kept, so walks come at most once per quarter of the limit relayed.
 * @module
 */
import { keptBytesOf, type PendingRequest } from "./pending.ts";

/** Forget down to this share of the limit, so the next chunks do not walk again at once. */
const TRIM_TO = 0.75;

export class ResumeBudget {
  readonly maxBytes: number;
  readonly #requests: () => Iterable<PendingRequest>;
  /** At least what the requests keep: what they kept at the last walk plus every chunk relayed since. */
  #bound = 0;

  /** `requests`: every request of the home that may keep output (in flight, and endings kept for the window). */
  constructor(maxBytes: number, requests: () => Iterable<PendingRequest>) {
    this.maxBytes = maxBytes;
    this.#requests = requests;
  }

  /** A chunk was relayed to a request, which may keep it. */
  relayed(delta: string): void {
    this.#bound += keptBytesOf(delta);
    if (this.#bound > this.maxBytes) this.#trim();
  }

  /** What the requests keep now (a walk: for an admin now and then). */
  measure(): number {
    let kept = 0;
    for (const request of this.#requests()) kept += request.keptBytes;
    return kept;
  }

  #trim(): void {
    const keeping: Array<{ request: PendingRequest; bytes: number }> = [];
    let kept = 0;
    for (const request of this.#requests()) {
      const bytes = request.keptBytes;
      if (bytes === 0) continue;
      keeping.push({ request, bytes });
      kept += bytes;
    }
    const target = this.maxBytes * TRIM_TO;
    if (kept > target) {
      keeping.sort((a, b) => b.bytes - a.bytes);
      for (const { request, bytes } of keeping) {
        if (kept <= target) break;
        request.forgetKept();
        kept -= bytes;
      }
    }
    this.#bound = kept;
  }
}
