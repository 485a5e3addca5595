/**
 * The prompt relay inside one connector process: the real `claude` binary (against the fake Messages API) asks
 * through runAgentRequest's `onPermission`; the loopback MCP channel admits each run's own secret only and is
 * closed when the run ends, whatever its outcome.
 */
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapter } from "../../connector/src/agents/index.ts";
import { promptRelay } from "../../connector/src/permissions/relay-server.ts";
import {
  type AgentRuntime,
  createAgentRuntime,
  runAgentRequest,
} from "../../connector/src/runtime/run-request.ts";
import type { PermissionPrompt } from "../../gateway/src/protocol/index.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeServer } from "../fakes/fake-server.ts";
import { agentBinary, makeProject, randomClientId, recorder, removeTempDirs, tempDir } from "./helpers.ts";

let fake: FakeServer;
let runtime: AgentRuntime;

beforeAll(async () => {
  fake = await startAnthropicFake();
  const home = await tempDir("claude-ask-home");
  runtime = createAgentRuntime({
    agent: "asker",
    projectDir: await makeProject(),
    adapter: createAdapter("claude", {
      command: agentBinary("claude"),
      askCaller: { timeoutMs: 30_000 },
      env: {
        HOME: home,
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: "dummy",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
      },
    }),
  });
});

afterAll(async () => {
  await fake?.close();
  await promptRelay.stop();
  await removeTempDirs();
});

function lastToolResult(): unknown {
  const last = fake.requests.filter((r) => r.path.startsWith("/v1/messages")).at(-1);
  return last?.body?.messages?.at(-1)?.content?.find((b: { type: string }) => b.type === "tool_result");
}

describe("claude --ask-caller inside the connector", { timeout: 60_000 }, () => {
  it("denies, and tells the model, when no caller can be asked (a run without onPermission)", async () => {
    const { rec, callbacks } = recorder();
    await runAgentRequest(
      runtime,
      { id: "r1", session_id: "s1", client_id: randomClientId(), message: "WRITE_FILE:nobody.txt" },
      callbacks,
    );
    expect(rec.error).toBeUndefined();
    expect(rec.done?.attachments).toEqual([]);
    expect(lastToolResult()).toMatchObject({
      content: "No caller is connected to approve this tool use.",
      is_error: true,
    });
    expect(promptRelay.openChannels).toBe(0);
  });

  it("a request canceled while its caller is being asked ends as canceled and closes its channel", async () => {
    const { rec, callbacks } = recorder();
    const abort = new AbortController();
    const asked: PermissionPrompt[] = [];
    await runAgentRequest(
      runtime,
      { id: "r2", session_id: "s1", client_id: randomClientId(), message: "WRITE_FILE:canceled.txt" },
      {
        ...callbacks,
        onPermission: (prompt) => {
          asked.push(prompt);
          expect(promptRelay.openChannels).toBe(1);
          abort.abort();
          return new Promise(() => {}); // the caller never answers
        },
      },
      abort.signal,
    );
    expect(asked.map((p) => p.tool)).toEqual(["Write"]);
    expect(rec.error?.code).toBe("canceled");
    expect(promptRelay.openChannels).toBe(0);
  });

  it("admits a run's own secret only: another secret reaches another handler, unknown and closed ones are refused", async () => {
    const seen: string[] = [];
    const mine = await promptRelay.open(async (r) => {
      seen.push(`mine:${r.tool_name}`);
      return { behavior: "deny", message: "mine" };
    });
    const theirs = await promptRelay.open(async (r) => {
      seen.push(`theirs:${r.tool_name}`);
      return { behavior: "allow", updatedInput: r.input };
    });
    const call = async (secret: string) => {
      const client = new Client({ name: "probe", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(mine.url), {
          requestInit: { headers: { authorization: `Bearer ${secret}` } },
        }),
      );
      try {
        const result = await client.callTool({
          name: "approve",
          arguments: { tool_name: "Write", input: { file_path: "x" } },
        });
        return JSON.parse((result.content as { text: string }[])[0]!.text);
      } finally {
        await client.close();
      }
    };
    expect(await call(mine.secret)).toEqual({ behavior: "deny", message: "mine" });
    expect(await call(theirs.secret)).toEqual({ behavior: "allow", updatedInput: { file_path: "x" } });
    expect(seen).toEqual(["mine:Write", "theirs:Write"]);

    const refused = await fetch(mine.url, {
      method: "POST",
      headers: { authorization: "Bearer guessed", "content-type": "application/json" },
      body: "{}",
    });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("prompt_channel_unknown");
    mine.close();
    await expect(call(mine.secret)).rejects.toThrow();
    theirs.close();
    expect(seen).toHaveLength(2);
    expect(promptRelay.openChannels).toBe(0);
  });
});
