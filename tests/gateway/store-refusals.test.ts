/** Store failures reach callers as 503s with a code they can act on, whichever store raised them. */
import { describe, expect, it } from "vitest";
import { renderError } from "../../gateway/src/errors.ts";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";

describe("renderError for store failures", () => {
  it("answers an update that lost to other writers every time with 503 store_busy, not a 500", () => {
    const lost = new StoreError("update_conflict", "gave up updating task:x after 100 attempts");
    const { status, body } = renderError(new Error("task update failed", { cause: lost }));
    expect(status).toBe(503);
    expect(body.error.code).toBe("store_busy");
    expect(body.error.message).toMatch(/Retry/);
  });

  it("keeps an unknown error a 500 internal_error", () => {
    expect(renderError(new Error("boom"))).toMatchObject({
      status: 500,
      body: { error: { code: "internal_error" } },
    });
  });
});
