import { createAdapter } from "../../connector/src/agents/index.ts";
import { startAnthropicFake } from "../fakes/anthropic.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { agentBinary } from "./helpers.ts";

defineAgentSuite({
  name: "claude",
  startFake: startAnthropicFake,
  adapter: async (url, home, { writes }) =>
    createAdapter("claude", {
      command: agentBinary("claude"),
      // acceptEdits lets the Write tool run; Bash read-only commands run in every mode.
      permissionMode: writes ? "acceptEdits" : "default",
      env: {
        HOME: home,
        ANTHROPIC_BASE_URL: url,
        ANTHROPIC_API_KEY: "dummy",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        CLAUDE_CODE_MAX_RETRIES: "0",
      },
    }),
  isTurn: (r) => r.method === "POST" && r.path.startsWith("/v1/messages"),
  shellTool: "Bash",
  streamsDeltas: true,
});
