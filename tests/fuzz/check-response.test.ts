/** The fuzz suites' answer check must itself catch what it is there for (else every fuzz test would pass). */
import { describe, expect, it } from "vitest";
import { answerProblem } from "./support/check-response.ts";

const json = (status: number, body: unknown) => ({
  status,
  contentType: "application/json",
  text: JSON.stringify(body),
});

describe("answerProblem", () => {
  it("accepts successes and refusals with a known snake_case code", () => {
    expect(answerProblem(json(200, { ok: true }))).toBeNull();
    expect(answerProblem(json(404, { error: { code: "agent_not_found", message: "No agent." } }))).toBeNull();
    expect(answerProblem(json(503, { error: { code: "agent_offline", message: "Start it." } }))).toBeNull();
    expect(
      answerProblem(json(400, { jsonrpc: "2.0", id: 1, error: { code: -32600, message: "Bad" } })),
    ).toBeNull();
  });

  it("flags 500s, undocumented 503s, bodies that lie about JSON, and unstable or unknown codes", () => {
    expect(answerProblem(json(500, { error: { code: "internal_error", message: "x" } }))).toMatch(
      /internal_error/,
    );
    expect(answerProblem(json(502, { error: { code: "invalid_request", message: "x" } }))).toMatch(
      /status 502/,
    );
    expect(answerProblem(json(503, { error: { code: "not_found", message: "x" } }))).toMatch(/status 503/);
    expect(answerProblem({ status: 200, contentType: "application/json", text: "{" })).toMatch(/says JSON/);
    expect(answerProblem({ status: 400, contentType: "text/plain", text: "bad" })).toMatch(/not JSON/);
    expect(answerProblem(json(400, { error: { code: "Bad Thing", message: "x" } }))).toMatch(/snake_case/);
    expect(answerProblem(json(400, { error: { code: "zz_never_defined", message: "x" } }))).toMatch(
      /nowhere/,
    );
    expect(answerProblem(json(400, { error: { code: "invalid_request", message: "" } }))).toMatch(/message/);
    expect(answerProblem(json(400, { message: "no error object" }))).toMatch(/no error object/);
  });
});
