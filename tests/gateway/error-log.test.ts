/**
 * What the gateway logs of the 5xx answers it gives: its faults (an unexpected error), not the
 * refusals a caller is told about with a stable code (an agent offline). It logged a stack trace for every call
 * to an offline agent, so a client polling one filled the log and buried the faults. The A2A and MCP doors
 * already logged internal errors only.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { SessionStore } from "../../gateway/src/index.ts";
import { memorySessionStore } from "../../gateway/src/session-stores/memory.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";

/** A memory store whose reads throw an unexpected error (not a store refusal) while `failing` is set. */
function storeFailingOnDemand(): { store: SessionStore; setFailing(on: boolean): void } {
  const inner = memorySessionStore({});
  let failing = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "get" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (failing) throw new Error("a bug in the store");
        return value.apply(target, args);
      };
    },
  });
  return { store, setFailing: (on) => (failing = on) };
}

describe("5xx answers in the log", () => {
  const logged: string[] = [];
  const { store, setFailing } = storeFailingOnDemand();
  const gateway = inProcessGateway({ store, onError: (_error, { stage }) => logged.push(stage) });
  let api: ReturnType<typeof inProcessApi>;
  beforeAll(async () => {
    await gateway.init();
    const admin = inProcessApi(gateway, IN_PROCESS_ADMIN_TOKEN);
    const user = await admin.post("/v1/tokens", { name: "logs" });
    api = inProcessApi(gateway, user.body.token);
    expect((await api.post("/v1/agents", { name: "away" })).status).toBe(201);
  });

  it("leaves out a call to an offline agent", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await api.post("/v1/agents/away/messages", { message: "anyone?" });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("agent_offline");
    }
    expect(logged).toEqual([]);
  });

  it("logs an unexpected error, with where it happened", async () => {
    logged.length = 0;
    setFailing(true);
    try {
      const res = await api.get("/v1/agents/away");
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe("internal_error");
    } finally {
      setFailing(false);
    }
    expect(logged).toEqual(["GET /v1/agents/away"]);
  });
});
