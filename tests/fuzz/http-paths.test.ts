/**
 * Property: hostile path segments (malformed %-escapes, NUL, `%2e%2e`, very long, unicode, another user's ids),
 * query strings and headers (`Authorization`, `X-Agent-Mesh-As`, `A2A-Version`, `Last-Event-ID`) on the gateway's
 * routes get a well-formed answer under 500 with a stable code, never a hang, and never user B's data.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerProblem } from "./support/check-response.ts";
import { send } from "./support/fuzz-request.ts";
import { FUZZ_SCALE, FUZZ_TIMEOUT } from "./support/scale.ts";
import { leakOf, startWorld, type World } from "./support/world.ts";

let world: World;

/** A path segment as a hostile client writes it (already in URL form: fetch sends it as is, `..` aside). */
const segment = (w: () => World) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: "binary", maxLength: 24 }).map(encodeURIComponent) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "%",
        "%zz",
        "%E0%A4%A",
        "%00",
        "%2e%2e",
        "%2F",
        "%ff%fe",
        "__proto__",
        "constructor",
        "a".repeat(5000),
        "%F0%9F%92%A5",
        "-",
        "0",
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom("agentId", "agentName", "taskId", "sessionId", "user")
        .map((key) => w().b[key as "agentId"]),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom("agentId", "agentName", "taskId", "user", "skill")
        .map((key) => w().a[key as "agentId"]),
    },
    { weight: 1, arbitrary: fc.constantFrom("1.0.0", "latest", "fuzzed-1.0.0.zip", "1.0.0+x", "01.0.0") },
  );

const query = fc
  .dictionary(
    fc.constantFrom("agent", "status", "limit", "cursor", "capability", "online", "q", "lease", "session_id"),
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("-1", "1e309", "NaN", "99999999999999999999", "%zz"),
    ),
    { maxKeys: 3 },
  )
  .map((entries) =>
    Object.entries(entries)
      .map(([k, v]) => `${k}=${v.includes("%") ? v : encodeURIComponent(v)}`)
      .join("&"),
  );

const header = fc.option(fc.string({ unit: "grapheme-ascii", maxLength: 40 }), { nil: undefined });

/** [method, path template]; `{}` are replaced by fuzzed segments. */
const ROUTES: Array<[string, string]> = [
  ["GET", "/v1/agents/{}"],
  ["GET", "/v1/agents/{}/messages/{}"],
  ["DELETE", "/v1/agents/{}/messages/{}"],
  ["GET", "/v1/tasks/{}"],
  ["DELETE", "/v1/tasks/{}"],
  ["GET", "/v1/tasks"],
  ["GET", "/v1/agents"],
  ["GET", "/v1/agents/{}/inbox"],
  ["POST", "/v1/agents/{}/inbox"],
  ["GET", "/v1/agents/{}/shares"],
  ["GET", "/a2a/{}/.well-known/agent-card.json"],
  ["GET", "/a2a/{}/tasks/{}"],
  ["POST", "/a2a/{}/tasks/{}:cancel"],
  ["GET", "/s/{}/"],
  ["POST", "/s/{}/messages"],
  ["GET", "/v1/skills/{}/{}"],
  ["GET", "/v1/skills/{}/{}/{}"],
  ["DELETE", "/v1/skills/{}/{}/{}"],
  ["GET", "/v1/skills/{}/{}/-/{}"],
  ["DELETE", "/v1/skills/{}/{}/-/dist-tags/{}"],
  ["GET", "/v1/tasks/{}/events"],
];

describe("fuzz: HTTP paths, queries and headers", FUZZ_TIMEOUT, () => {
  beforeAll(async () => {
    world = await startWorld();
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("every route answers hostile segments, queries and headers well formed, < 500, leaking nothing of B", async () => {
    const w = () => world;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          route: fc.constantFrom(...ROUTES),
          segments: fc.array(segment(w), { minLength: 3, maxLength: 3 }),
          query,
          authorization: fc.oneof(
            { weight: 6, arbitrary: fc.constant("valid") },
            fc.constantFrom(
              "",
              "Bearer",
              "Bearer ",
              "Basic abc",
              "Bearer \u00ff",
              `Bearer ${"x".repeat(10_000)}`,
            ),
          ),
          as: header,
          a2aVersion: header,
          lastEventId: header,
        }),
        async ({
          route: [method, template],
          segments,
          query,
          authorization,
          as,
          a2aVersion,
          lastEventId,
        }) => {
          let i = 0;
          // An inbox read never waits here: `wait` is a long poll by design.
          const path = `${template.replace(/\{\}/g, () => segments[i++]!)}?${query}&wait=0`;
          const headers: Record<string, string> = {};
          if (authorization !== "valid") headers.authorization = authorization;
          if (as !== undefined) headers["x-agent-mesh-as"] = as;
          if (a2aVersion !== undefined) headers["a2a-version"] = a2aVersion;
          if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
          const answer = await send(
            `${world.gateway.url}${path}`,
            method,
            authorization === "valid" ? world.a.token : undefined,
            {
              contentType: "application/json",
              body: method === "GET" || method === "DELETE" ? "" : '{"message":"x"}',
            },
            headers,
          ).catch((error: Error) => {
            // fetch itself refuses some header values (non-Latin-1); that request never left the test.
            if (/header|ByteString/i.test(String(error.cause ?? error))) return null;
            throw error;
          });
          if (!answer) return;
          const problem = answerProblem(answer);
          if (problem) throw new Error(`${method} ${path.slice(0, 200)} → ${answer.status}: ${problem}`);
          const leak = leakOf(world, `${path} ${JSON.stringify(headers)}`, answer.text);
          if (leak) throw new Error(`B's ${leak} leaked to A: ${answer.text.slice(0, 300)}`);
        },
      ),
      { numRuns: Math.ceil(800 * FUZZ_SCALE) },
    );
    const res = await fetch(`${world.gateway.url}/v1/agents/${world.a.agentId}`, {
      headers: { authorization: `Bearer ${world.a.token}` },
    });
    expect(res.status).toBe(200);
  });
});
