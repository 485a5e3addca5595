/**
 * What a home's requests keep for re-attaching callers, held to one limit together (relay/resume-budget.ts), with
 * the relay's own requests: chunks go to each request and to the budget, as the home passes them.
 */
import { describe, expect, it } from "vitest";
import { keptBytesOf, PendingRequest } from "../../gateway/src/relay/pending.ts";
import { ResumeBudget } from "../../gateway/src/relay/resume-budget.ts";
import type { RelaySink } from "../../gateway/src/relay/types.ts";

const TEXT = "x".repeat(100);
const CHUNK = keptBytesOf(TEXT);

/** A caller's sink that records the seqs it got and how the request ended for it. */
function recordingSink() {
  const seqs: number[] = [];
  const ends: string[] = [];
  const sink: RelaySink = {
    chunk: (seq) => seqs.push(seq),
    done: () => ends.push("done"),
    error: (code) => ends.push(code),
  };
  return { sink, seqs, ends };
}

function liveCall(id: string): PendingRequest {
  const call = {
    requestId: id,
    agentId: "ag",
    agentName: "a",
    user: "u",
    sessionId: "s",
    clientId: "c",
    message: "",
  };
  return new PendingRequest(call, recordingSink().sink, {
    isTask: false,
    deadline: null,
    idleTimeoutMs: 1,
    now: 0,
  });
}

/** A home's worth: its requests, a budget over them, and `relay` that passes chunks as the home does. */
function home(maxBytes: number) {
  const requests: PendingRequest[] = [];
  let walks = 0;
  const budget = new ResumeBudget(maxBytes, () => {
    walks += 1;
    return requests;
  });
  const relay = (request: PendingRequest, chunks: number) => {
    for (let i = 0; i < chunks; i++) {
      request.chunk(request.lastSeq + 1, "text", TEXT, 0);
      budget.relayed(TEXT);
    }
  };
  const add = (id: string) => {
    const request = liveCall(id);
    requests.push(request);
    return request;
  };
  return { requests, budget, relay, add, walks: () => walks };
}

describe("ResumeBudget", () => {
  it("walks nothing while what was relayed since the last walk stays under the limit", () => {
    const h = home(10 * CHUNK);
    h.relay(h.add("a"), 6);
    h.relay(h.add("b"), 4);
    expect(h.walks()).toBe(0);
    h.relay(h.requests[0]!, 1);
    expect(h.walks()).toBe(1);
    expect(h.budget.measure()).toBe(4 * CHUNK); // 11 of 10: `a` (7) forgot its, leaving 4, under three quarters
  });

  it("past the limit, the requests keeping the most forget theirs until under three quarters of it", () => {
    const h = home(12 * CHUNK);
    const [a, b, c] = [h.add("a"), h.add("b"), h.add("c")];
    h.relay(a, 8);
    h.relay(b, 3);
    h.relay(c, 2); // 13 chunks kept: past 12, and 9 is three quarters
    expect(h.walks()).toBe(1);
    expect([a.keptBytes, b.keptBytes, c.keptBytes]).toEqual([0, 3 * CHUNK, 2 * CHUNK]);
    // A caller of `a` that saw everything re-attaches and follows on; one that missed what was forgotten cannot.
    expect(a.attach(recordingSink().sink, 0)).toBe("gap");
    const follower = recordingSink();
    expect(a.attach(follower.sink, 8)).toBe("attached");
    h.relay(a, 1);
    expect(follower.seqs).toEqual([9]);
    const fromStart = recordingSink();
    expect(b.attach(fromStart.sink, 0)).toBe("attached");
    expect(fromStart.seqs).toEqual([1, 2, 3]);
  });

  it("counts what the requests keep at each walk: requests dropped since need not be told to leave", () => {
    const h = home(12 * CHUNK);
    const [a, b] = [h.add("a"), h.add("b")];
    h.relay(a, 6);
    h.relay(b, 7); // 13: `b` forgets its 7
    expect(b.keptBytes).toBe(0);
    h.requests.splice(0, 2); // both end and are dropped, as the home drops requests, without a word to the budget
    const d = h.add("d");
    h.relay(d, 11); // 6 counted at the walk, + 7 of `d`: a walk, which finds only `d`'s 7 and forgets nothing
    expect(h.walks()).toBe(2);
    expect(d.keptBytes).toBe(11 * CHUNK); // and counted from there, `d`'s next 4 walk no more
    h.relay(d, 1);
    expect(h.walks()).toBe(2);
  });

  it("an ended request that forgot its output still gives its ending to a caller that saw every chunk", () => {
    const h = home(4 * CHUNK);
    const ended = h.add("e");
    h.relay(ended, 3);
    ended.done({ type: "done", id: "e", seq: 4, result: "ok" });
    h.relay(h.add("f"), 2); // 5 of 4: `e` keeps the most
    expect(ended.keptBytes).toBe(0);
    expect(ended.attach(recordingSink().sink, 2)).toBe("gap");
    const late = recordingSink();
    expect(ended.attach(late.sink, 3)).toBe("ended");
    expect(late).toMatchObject({ seqs: [], ends: ["done"] });
  });
});
