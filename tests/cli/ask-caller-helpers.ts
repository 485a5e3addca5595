/** Helpers of the `--ask-caller` end-to-end suite: what the agent left in a workspace, what the model was told. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { agentBinary, fakeClaudeEnv } from "../connector/helpers.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import type { FakeServer } from "../fakes/fake-server.ts";
import type { ApiClient, JsonResponse } from "../helpers/api.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { waitFor } from "../helpers/wait.ts";
import { connect, loggedInHome, tempDir } from "./helpers.ts";

/** A real gateway and a fake Messages API for the real claude binary. */
export async function startClaudeGateway(): Promise<{ gateway: GatewayProcess; fake: FakeServer }> {
  agentBinary("claude"); // fails with the install command when tests/agents is not installed
  // Claude's start-up plus a caller thinking is longer than the helper's 5 s idle limit for live calls. Nothing
  // here tests liveness: a connector starved for 1.5 s while Claude Code starts on a loaded machine would be
  // counted gone under the helper's fast heartbeat (400 ms, grace 1.5 s), failing its call.
  const gateway = await startGateway({
    runtime: "node",
    store: "fs",
    env: {
      AGENT_MESH_SYNC_TIMEOUT_MS: "60000",
      AGENT_MESH_HEARTBEAT_MS: "2000",
      AGENT_MESH_GRACE_MS: "10000",
    },
  });
  return { gateway, fake: await startAnthropicFake() };
}

/**
 * Creates a public claude agent of `owner`'s and connects it with `args` from a machine (home) and project of its
 * own; returns both.
 */
export async function connectClaude(
  setup: { gateway: GatewayProcess; fake: FakeServer },
  owner: { api: ApiClient; token: string },
  name: string,
  args: string[],
): Promise<{ project: string; machine: string }> {
  const created = await owner.api.post("/v1/agents", { name, type: "claude", visibility: "public" });
  if (created.status !== 201) throw new Error(`cannot create ${name}: ${JSON.stringify(created.body)}`);
  const machine = await loggedInHome(setup.gateway.url, owner.token);
  const project = tempDir(`${name}-project`);
  await connect(["claude", "--agent", name, "--project", project, ...args], {
    home: machine,
    env: fakeClaudeEnv(setup.fake.url),
  });
  return { project, machine };
}

/** The callers' workspaces of a connected project. */
export function workspaceDirs(project: string): string[] {
  const clients = join(project, ".agent-mesh", "clients");
  return existsSync(clients) ? readdirSync(clients).map((client) => join(clients, client)) : [];
}

/** The file as a caller's agent left it in its workspace (any caller's: each test writes a unique name). */
export function workspaceFile(project: string, name: string): string | undefined {
  for (const dir of workspaceDirs(project)) {
    const path = join(dir, name);
    if (existsSync(path)) return readFileSync(path, "utf8");
  }
  return undefined;
}

/** The tool_result Claude sent back to the model in the newest turn that carried one. */
export function lastToolResult(fake: FakeServer): { content: string; is_error?: boolean } | undefined {
  for (const request of [...fake.requests].reverse()) {
    const last = request.body?.messages?.at?.(-1);
    const block = Array.isArray(last?.content)
      ? last.content.find((b: { type: string }) => b.type === "tool_result")
      : undefined;
    if (block) {
      const content =
        typeof block.content === "string"
          ? block.content
          : block.content.map((c: { text?: string }) => c.text ?? "").join("");
      return { content, is_error: block.is_error };
    }
  }
  return undefined;
}

/** A live call to `agent`; `onPrompt` runs for each permission event with the request id to answer at. */
export function liveCall(
  api: ApiClient,
  agent: string,
  message: string,
  onPrompt?: (prompt: any, requestId: string) => void,
) {
  let requestId = "";
  return api.stream(
    `/v1/agents/${agent}/messages`,
    { message },
    {
      onResponse: (res) => {
        requestId = res.headers.get("x-agent-mesh-request-id") ?? "";
      },
      onEvent: (event) => {
        if (event.event === "permission") onPrompt?.(JSON.parse(event.data).prompt, requestId);
      },
    },
  );
}

/** Polls task `id` until `check` returns something truthy for it (Claude's start-up takes seconds). */
export function taskWhen<T>(
  api: ApiClient,
  id: string,
  check: (task: JsonResponse["body"]) => T,
  what: string,
) {
  return waitFor(async () => check((await api.get(`/v1/tasks/${id}`)).body), { timeoutMs: 30_000, what });
}
