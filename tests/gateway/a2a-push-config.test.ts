import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG } from "../../gateway/src/config.ts";
import { A2aError } from "../../gateway/src/doors/a2a/errors.ts";
import { checkedPushConfig } from "../../gateway/src/doors/a2a/push.ts";

const strict = { ...DEFAULT_CONFIG, allowPrivateCallbacks: false };

describe("A2A push notification config URLs", () => {
  it("refuses loopback, private and link-local webhooks unless the operator allows them", () => {
    for (const url of [
      "http://127.0.0.1:9/x",
      "http://10.1.2.3/",
      "http://169.254.169.254/meta",
      "http://localhost/",
    ]) {
      expect(() => checkedPushConfig({ url }, "t", strict)).toThrow(/AGENT_MESH_ALLOW_PRIVATE_CALLBACKS/);
    }
    const allowed = checkedPushConfig({ url: "http://127.0.0.1:9/x" }, "t", {
      ...strict,
      allowPrivateCallbacks: true,
    });
    expect(allowed).toMatchObject({ url: "http://127.0.0.1:9/x", taskId: "t" });
    expect(allowed.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses non-http schemes and bad ids with InvalidParams", () => {
    for (const input of [
      { url: "ftp://example.org/" },
      { url: "nonsense" },
      { url: "https://example.org/", id: "a/b" },
    ]) {
      let error: unknown;
      try {
        checkedPushConfig(input, "t", strict);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(A2aError);
      expect((error as A2aError).kind).toBe("InvalidParams");
    }
    expect(checkedPushConfig({ url: "https://example.org/hook", id: "mine" }, "t", strict).id).toBe("mine");
  });
});
