/**
 * Property: whatever a caller sends to a JSON door (any JSON, near-valid bodies, odd JSON text, raw bytes, wrong
 * content types, chunked bodies, SSE or JSON accept), a real gateway process answers with a well-formed response
 * under 500 and a stable, documented error code; it never hangs or dies, still serves a normal call afterwards, and
 * never shows user B's data to A.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzBody } from "./support/arbitraries.ts";
import { answerProblem } from "./support/check-response.ts";
import { bodyText, send } from "./support/fuzz-request.ts";
import { jsonTargets, type Target } from "./support/http-targets.ts";
import { FUZZ_SCALE, FUZZ_TIMEOUT } from "./support/scale.ts";
import { leakOf, startWorld, type World } from "./support/world.ts";

let world: World;
const targets: Target[] = jsonTargets(() => world);

describe("fuzz: HTTP doors", FUZZ_TIMEOUT, () => {
  beforeAll(async () => {
    world = await startWorld();
  });

  afterAll(async () => {
    await world?.stop();
  });

  const statuses: number[] = [];
  for (const target of targets) {
    it(`${target.name}: every answer is well formed, < 500, with a stable code, and leaks nothing of B`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constant(null).chain(() => fuzzBody(target.template())),
          async (body) => {
            const path = target.path();
            const answer = await send(
              `${world.gateway.url}${path}`,
              target.method,
              target.token(),
              body,
              target.headers,
            );
            statuses.push(answer.status);
            const problem = answerProblem(answer);
            if (problem) throw new Error(`${answer.status}: ${problem}`);
            const leak = leakOf(world, `${path} ${bodyText(body)}`, answer.text);
            if (leak) throw new Error(`B's ${leak} leaked to A: ${answer.text.slice(0, 300)}`);
          },
        ),
        { numRuns: Math.ceil(target.runs * FUZZ_SCALE) },
      );
    });
  }

  it("after the fuzzing the gateway still answers normal calls for both users", async () => {
    const { gateway, a, b } = world;
    const alice = await fetch(`${gateway.url}/v1/agents/${a.agentId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.token}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "still there?" }),
    });
    expect(alice.status).toBe(200);
    expect((await alice.json()).result).toBe("still there?");
    const bob = await fetch(`${gateway.url}/v1/agents/${b.agentId}`, {
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect(bob.status).toBe(200);
    expect(await bob.json()).toMatchObject({ id: b.agentId, visibility: "private" });
    // The fuzzing reached the handlers, not only the parsers: some bodies were taken, most refused.
    expect(statuses.some((s) => s < 300)).toBe(true);
    expect(statuses.some((s) => s >= 400)).toBe(true);
    expect(gateway.output()).not.toMatch(/internal_error|Unhandled|uncaught/i);
  });
});
