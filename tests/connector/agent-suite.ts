/**
 * One suite for every real agent binary (claude, codex, gemini), driven through runAgentRequest against a
 * scripted fake model server: streamed text, tool calls, resume, attachments, model errors.
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentAdapter } from "../../connector/src/agents/types.ts";
import {
  type AgentRuntime,
  createAgentRuntime,
  runAgentRequest,
} from "../../connector/src/runtime/run-request.ts";
import type { FakeServer, LoggedRequest } from "../fakes/fake-server.ts";
import { makeProject, randomClientId, recorder, removeTempDirs, tempDir } from "./helpers.ts";

export interface AgentSuiteConfig {
  name: string;
  startFake(): Promise<FakeServer>;
  /**
   * Builds the adapter for this fake; `home` is an isolated HOME for the binary, `project` the project the runtime
   * serves. `writes` → allow file edits.
   */
  adapter(
    fakeUrl: string,
    home: string,
    options: { writes: boolean; project: string },
  ): Promise<AgentAdapter>;
  /** The requests that are model turns (not preflights, classifiers or summaries). */
  isTurn(request: LoggedRequest): boolean;
  /** Tool name expected in the tool_start chunk of a shell call. */
  shellTool: string;
  /** Text tokens arrive as several deltas (false: the runtime only prints whole messages). */
  streamsDeltas: boolean;
}

export function defineAgentSuite(config: AgentSuiteConfig): void {
  // Real CLIs start in 0.1–3 s each and a test runs up to three turns; under a loaded CI machine that needs room.
  describe(`${config.name} (real binary against a fake model)`, { timeout: 90_000 }, () => {
    let fake: FakeServer;
    let home: string;
    let project: string;
    let runtime: AgentRuntime;
    let writingRuntime: AgentRuntime;

    beforeAll(async () => {
      fake = await config.startFake();
      home = await tempDir(`${config.name}-home`);
      project = await makeProject();
      runtime = createAgentRuntime({
        agent: config.name,
        adapter: await config.adapter(fake.url, home, { writes: false, project }),
        projectDir: project,
      });
      writingRuntime = createAgentRuntime({
        agent: config.name,
        adapter: await config.adapter(fake.url, home, { writes: true, project }),
        projectDir: project,
      });
    });
    afterAll(async () => {
      await fake?.close();
      await removeTempDirs();
    });

    const send = async (rt: AgentRuntime, message: string, clientId = randomClientId(), sessionId = "s1") => {
      const { rec, callbacks } = recorder();
      await runAgentRequest(
        rt,
        { id: `r-${Math.random()}`, session_id: sessionId, client_id: clientId, message },
        callbacks,
      );
      expect(rec.verdicts).toBe(1);
      return rec;
    };
    const turns = () => fake.requests.filter(config.isTurn);

    it("streams a text reply", async () => {
      const rec = await send(runtime, "hello there agent");
      expect(rec.error).toBeUndefined();
      expect(rec.text()).toBe("echo: hello there agent");
      expect(rec.done?.result).toBe("echo: hello there agent");
      if (config.streamsDeltas) expect(rec.kinds("text").length).toBeGreaterThan(1);
      expect(JSON.stringify(turns().at(-1)?.body)).toContain("hello there agent");
    });

    it("surfaces a tool call as tool_start and tool_result chunks", async () => {
      const rec = await send(writingRuntime, "RUN_TOOL:echo tool-out-4711");
      expect(rec.error).toBeUndefined();
      const start = JSON.parse(rec.kinds("tool_start")[0] ?? "{}");
      expect(start.name).toBe(config.shellTool);
      expect(JSON.stringify(start.input)).toContain("echo tool-out-4711");
      const result = JSON.parse(rec.kinds("tool_result")[0] ?? "{}");
      expect(result.id).toBe(start.id);
      expect(result.output).toContain("tool-out-4711");
      expect(result.is_error).toBe(false);
      expect(rec.done?.result).toContain("tool said:");
      const order = rec.chunks.map((c) => c.kind).filter((k) => k !== "thinking" && k !== "status");
      expect(order.indexOf("tool_start")).toBeLessThan(order.indexOf("tool_result"));
      expect(order.lastIndexOf("text")).toBeGreaterThan(order.indexOf("tool_result"));
    });

    it("resumes the conversation on the next message, also after a connector restart", async () => {
      const clientId = randomClientId();
      const first = await send(runtime, "first turn marker-zebra", clientId, "conv");
      expect(first.error).toBeUndefined();
      const resumeId = await runtime.resumes.get({ agent: config.name, clientId, sessionId: "conv" });
      expect(resumeId).toBeTruthy();
      // A new runtime object over the same project = a restarted connector reading the persisted store.
      const restarted = createAgentRuntime({
        agent: config.name,
        adapter: runtime.adapter,
        projectDir: project,
      });
      const second = await send(restarted, "second turn", clientId, "conv");
      expect(second.error).toBeUndefined();
      const seen = JSON.stringify(turns().at(-1)?.body);
      expect(seen).toContain("second turn");
      expect(seen).toContain("first turn marker-zebra");
      expect(seen).toContain("echo: first turn marker-zebra");
      expect(await restarted.resumes.get({ agent: config.name, clientId, sessionId: "conv" })).toBe(resumeId);
      // Another session of the same caller starts a fresh conversation.
      await send(restarted, "unrelated", clientId, "other");
      expect(JSON.stringify(turns().at(-1)?.body)).not.toContain("marker-zebra");
    });

    it("starts a new conversation, with a status notice, when the stored resume id is unknown to the runtime", async () => {
      const clientId = randomClientId();
      const key = { agent: config.name, clientId, sessionId: "stale" };
      await runtime.resumes.set(key, "00000000-0000-4000-8000-000000000000");
      const rec = await send(runtime, "after a wiped runtime store", clientId, "stale");
      expect(rec.error).toBeUndefined();
      expect(rec.kinds("status")).toEqual([
        "The earlier conversation could not be resumed; starting a new one.",
      ]);
      expect(rec.done?.result).toBe("echo: after a wiped runtime store");
      const fresh = await runtime.resumes.get(key);
      expect(fresh).toBeTruthy();
      expect(fresh).not.toBe("00000000-0000-4000-8000-000000000000");
    });

    it("returns a file the agent wrote as an attachment", async () => {
      const rec = await send(writingRuntime, "WRITE_FILE:report.txt");
      expect(rec.error).toBeUndefined();
      const files = rec.done?.attachments ?? [];
      expect(files.map((f) => f.path)).toEqual(["report.txt"]);
      expect(Buffer.from(files[0]!.bytes).toString()).toBe("content of report.txt");
      expect(files[0]!.size).toBe("content of report.txt".length);
    });

    it("reports a model error as an error with a code", async () => {
      const rec = await send(runtime, "please FAIL_400 now");
      expect(rec.done).toBeUndefined();
      expect(rec.error?.code).toBe("agent_error");
      expect(rec.error?.message).toMatch(/400|scripted failure/);
    });
  });
}
