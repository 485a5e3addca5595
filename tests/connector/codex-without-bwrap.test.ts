import { existsSync } from "node:fs";
import { join } from "node:path";
import { createAdapter } from "../../connector/src/agents/index.ts";
import { startOpenAIResponsesFake } from "../fakes/openai-responses.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { agentBinary } from "./helpers.ts";
import { pathWithout } from "./path-without.ts";

// The same suite as codex.test.ts, on a PATH without `bwrap`: codex then uses the bubblewrap it bundles. CI installs
// Debian's bubblewrap, so codex.test.ts covers "bubblewrap present" and this file "absent".
defineAgentSuite({
  name: "codex-no-bwrap",
  startFake: startOpenAIResponsesFake,
  adapter: async (url, home, { writes }) => {
    const path = await pathWithout("bwrap");
    if (existsSync(join(path, "bwrap"))) throw new Error("bwrap is still on the test PATH");
    return createAdapter("codex", {
      command: agentBinary("codex"),
      sandbox: writes ? "workspace-write" : "read-only",
      config: [
        "model=gpt-fake",
        "model_provider=fake",
        `model_providers.fake={name="fake",base_url="${url}/v1",env_key="FAKE_OPENAI_KEY",wire_api="responses"}`,
      ],
      env: { HOME: home, CODEX_HOME: home, FAKE_OPENAI_KEY: "dummy", PATH: path },
    });
  },
  isTurn: (r) => r.method === "POST" && r.path.startsWith("/v1/responses"),
  shellTool: "command_execution",
  streamsDeltas: false,
});
