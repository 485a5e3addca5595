/** Helpers of the `--ask-caller` end-to-end suite: what the agent left in a workspace, what the model was told. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeServer } from "../fakes/fake-server.ts";
import type { ApiClient, JsonResponse } from "../helpers/api.ts";
import { waitFor } from "../helpers/wait.ts";

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
