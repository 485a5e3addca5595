/**
 * The agent cap's count (gateway/src/relay/admission.ts): open sockets plus handshakes under way, and handshakes
 * that never open or close freeing their place after HANDSHAKE_MS. The real gateways refusing and admitting
 * agents under a cap are in agent-cap.test.ts; a handshake that dies without any event cannot be produced on
 * demand there, so its expiry is checked here, with the times passed in.
 */
import { describe, expect, it } from "vitest";
import { Admission, HANDSHAKE_MS } from "../../gateway/src/relay/admission.ts";

describe("Admission", () => {
  it("counts open sockets and handshakes under way against the cap", () => {
    const sockets = { socketCount: 1 };
    const admission = new Admission(sockets, 3);
    const first = {};
    const second = {};
    expect(admission.hasRoom(0)).toBe(true);
    admission.admitted(first, 0);
    expect(admission.hasRoom(0)).toBe(true);
    admission.admitted(second, 0);
    expect(admission.hasRoom(0)).toBe(false); // 1 open + 2 opening = 3

    // The first handshake opens: it leaves the handshakes and its socket counts itself.
    admission.settled(first);
    sockets.socketCount = 2;
    expect(admission.hasRoom(0)).toBe(false);
    // The second fails: its place is free at once.
    admission.settled(second);
    expect(admission.hasRoom(0)).toBe(true);
    expect(admission.opening).toBe(0);
  });

  it("frees the place of a handshake that never opened nor closed after HANDSHAKE_MS, not before", () => {
    const admission = new Admission({ socketCount: 0 }, 2);
    const vanished = {};
    const young = {};
    admission.admitted(vanished, 1_000);
    admission.admitted(young, 1_000 + HANDSHAKE_MS);
    expect(admission.hasRoom(1_000 + HANDSHAKE_MS)).toBe(false);
    expect(admission.opening).toBe(2);

    expect(admission.hasRoom(1_001 + HANDSHAKE_MS)).toBe(true);
    expect(admission.opening).toBe(1); // only the stale one went
    admission.settled(vanished); // a late event for it changes nothing
    expect(admission.opening).toBe(1);

    expect(admission.hasRoom(1_001 + 2 * HANDSHAKE_MS)).toBe(true);
    expect(admission.opening).toBe(0);
  });

  it("purges the oldest first and stops at the first young handshake (they arrive in time order)", () => {
    const admission = new Admission({ socketCount: 0 }, 10);
    for (let i = 0; i < 5; i++) admission.admitted({}, i * 1000);
    // At 12.5 s, the handshakes of 0, 1 and 2 s are more than 10 s old; those of 3 and 4 s are not.
    admission.hasRoom(12_500);
    expect(admission.opening).toBe(2);

    // The walk ends at the first young entry: it does not look behind it (cost O(1) per check).
    const outOfOrder = new Admission({ socketCount: 0 }, 10);
    outOfOrder.admitted({}, 5_000);
    outOfOrder.admitted({}, 0);
    outOfOrder.hasRoom(10_500);
    expect(outOfOrder.opening).toBe(2);
    outOfOrder.hasRoom(15_001);
    expect(outOfOrder.opening).toBe(0);
  });
});
