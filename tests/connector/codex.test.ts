import { createAdapter } from "../../connector/src/agents/index.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { agentBinary } from "./helpers.ts";

defineAgentSuite({
  name: "codex",
  startFake: startOpenAIResponsesFake,
  adapter: async (url, home, { writes }) =>
    createAdapter("codex", {
      command: agentBinary("codex"),
      sandbox: writes ? "workspace-write" : "read-only",
      // OPENAI_BASE_URL is ignored by codex: a custom provider is the way to reach the fake.
      config: [
        "model=gpt-fake",
        "model_provider=fake",
        `model_providers.fake={name="fake",base_url="${url}/v1",env_key="FAKE_OPENAI_KEY",wire_api="responses"}`,
      ],
      env: { HOME: home, CODEX_HOME: home, FAKE_OPENAI_KEY: "dummy" },
    }),
  isTurn: (r) => r.method === "POST" && r.path.startsWith("/v1/responses"),
  shellTool: "command_execution",
  // `codex exec --json` prints whole agent messages, no token deltas.
  streamsDeltas: false,
});
