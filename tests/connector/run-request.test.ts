import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAdapter } from "../../connector/src/agents/index.ts";
import { createAgentRuntime, runAgentRequest } from "../../connector/src/runtime/run-request.ts";
import { makeProject, processGone, randomClientId, recorder, removeTempDirs, waitFor } from "./helpers.ts";

afterAll(removeTempDirs);

const request = (message: string, client_id = randomClientId(), session_id = "s1") => ({
  id: `r-${Math.random()}`,
  session_id,
  client_id,
  message,
});

describe("runAgentRequest", () => {
  it("runs echo: chunks, then exactly one onDone, no attachments", async () => {
    const runtime = createAgentRuntime({
      agent: "e",
      adapter: createAdapter("echo", { chunks: 3 }),
      projectDir: await makeProject(),
    });
    const { rec, callbacks } = recorder();
    await runAgentRequest(runtime, request("hi"), callbacks);
    expect(rec.chunks).toEqual([
      { kind: "text", delta: "hi" },
      { kind: "text", delta: "hi" },
      { kind: "text", delta: "hi" },
    ]);
    expect(rec.done).toEqual({ result: "hihihi", attachments: [] });
    expect(rec.verdicts).toBe(1);
    expect(runtime.maxInflight).toBe(110);
  });

  it("runs the agent in the caller's workspace and returns the files it wrote there", async () => {
    const project = await makeProject();
    const script = "pwd; mkdir -p out; printf report > out/report.md; printf x > CLAUDE.md.copy; ls";
    const runtime = createAgentRuntime({
      agent: "x",
      adapter: createAdapter("exec", { command: "sh", args: ["-c", script] }),
      projectDir: project,
    });
    const clientId = randomClientId();
    const { rec, callbacks } = recorder();
    await runAgentRequest(runtime, request("", clientId), callbacks);
    expect(rec.error).toBeUndefined();
    expect(rec.done?.result.split("\n")[0]).toBe(join(project, ".agent-mesh", "clients", clientId));
    expect(rec.done?.result).toContain("CLAUDE.md\n"); // the project's files are visible through links
    expect(rec.done?.attachments.map((f) => [f.path, Buffer.from(f.bytes).toString()])).toEqual([
      ["CLAUDE.md.copy", "x"],
      ["out/report.md", "report"],
    ]);
    // Files rewritten by a later request count again; untouched ones do not (third request).
    const again = recorder();
    await runAgentRequest(runtime, request("", clientId), again.callbacks);
    expect(again.rec.done?.attachments).toEqual([
      expect.objectContaining({ path: "CLAUDE.md.copy" }),
      expect.objectContaining({ path: "out/report.md" }),
    ]);
    const quiet = createAgentRuntime({
      agent: "x",
      adapter: createAdapter("exec", { command: "true" }),
      projectDir: project,
    });
    const third = recorder();
    await runAgentRequest(quiet, request("", clientId), third.callbacks);
    expect(third.rec.done?.attachments).toEqual([]);
  });

  it("refuses a hostile client id with invalid_client_id and creates nothing", async () => {
    const project = await makeProject();
    const runtime = createAgentRuntime({ agent: "e", adapter: createAdapter("echo"), projectDir: project });
    for (const clientId of ["../x", "ABC", "a/b", "../../../../tmp/0123456789abcdef"]) {
      const { rec, callbacks } = recorder();
      await runAgentRequest(runtime, request("hi", clientId), callbacks);
      expect(rec.error?.code).toBe("invalid_client_id");
      expect(rec.chunks).toEqual([]);
    }
    expect(existsSync(join(project, ".agent-mesh"))).toBe(false);
  });

  it("cancel kills the running agent and reports canceled; later requests still run", async () => {
    const project = await makeProject();
    const adapter = createAdapter("exec", { command: "sh", args: ["-c", "sleep 60 & echo $!; wait"] });
    const runtime = createAgentRuntime({ agent: "x", adapter, projectDir: project, maxConcurrent: 1 });
    const controller = new AbortController();
    const { rec, callbacks } = recorder();
    let sleeper = 0;
    const running = runAgentRequest(
      runtime,
      request(""),
      {
        ...callbacks,
        onChunk: (kind, delta) => {
          callbacks.onChunk(kind, delta);
          sleeper = Number(delta.trim());
          controller.abort();
        },
      },
      controller.signal,
    );
    await running;
    expect(rec.error?.code).toBe("canceled");
    expect(await waitFor(() => processGone(sleeper))).toBe(true);
    const echo = createAgentRuntime({ agent: "e", adapter: createAdapter("echo"), projectDir: project });
    const next = recorder();
    await runAgentRequest(echo, request("still alive"), next.callbacks);
    expect(next.rec.done?.result).toBe("still alive");
  });

  it("reports agent_busy when the local queue is full, and errors from the adapter with their code", async () => {
    const project = await makeProject();
    const slow = createAdapter("exec", { command: "sh", args: ["-c", "sleep 0.5; echo done"] });
    const runtime = createAgentRuntime({
      agent: "x",
      adapter: slow,
      projectDir: project,
      maxConcurrent: 1,
      maxQueued: 1,
    });
    const results = [recorder(), recorder(), recorder()];
    await Promise.all(
      results.map(({ callbacks }, i) =>
        runAgentRequest(runtime, request("", randomClientId(), `s${i}`), callbacks),
      ),
    );
    expect(results.map(({ rec }) => rec.error?.code ?? rec.done?.result)).toEqual([
      "done\n",
      "done\n",
      "agent_busy",
    ]);

    const failing = createAgentRuntime({
      agent: "f",
      adapter: createAdapter("exec", { command: "false" }),
      projectDir: project,
    });
    const { rec, callbacks } = recorder();
    await runAgentRequest(failing, request(""), callbacks);
    expect(rec.error?.code).toBe("adapter_failed");
  });

  it("persists nothing for runtimes without a resume id, and stores state only under .agent-mesh", async () => {
    const project = await makeProject();
    const runtime = createAgentRuntime({ agent: "e", adapter: createAdapter("echo"), projectDir: project });
    await runAgentRequest(runtime, request("hi"), recorder().callbacks);
    expect(existsSync(runtime.resumes.file)).toBe(false);
    expect(await readFile(join(project, "CLAUDE.md"), "utf8")).toBe("# Project rules\n");
  });
});
