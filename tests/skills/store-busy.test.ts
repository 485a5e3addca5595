/** A registry change whose compare-and-set step lost to other writers every time answers 503 store_busy, as the gateway does. */
import { describe, expect, it } from "vitest";
import { StoreError } from "../../gateway/src/session-stores/_errors.ts";
import { errorResponse } from "../../skills-registry/src/errors.ts";

describe("registry errors from the store", () => {
  it("answers update_conflict with 503 store_busy (nothing changed, retry), not a 500", async () => {
    const response = errorResponse(new StoreError("update_conflict", "gave up updating skills:t:a:b:latest"));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("store_busy");
    expect(body.error.message).toMatch(/Retry/);
  });

  it("keeps an unknown error a 500 internal_error", async () => {
    const quiet = console.error;
    console.error = () => {}; // the operator's log line is expected here
    try {
      const response = errorResponse(new Error("boom"));
      expect(response.status).toBe(500);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("internal_error");
    } finally {
      console.error = quiet;
    }
  });
});
