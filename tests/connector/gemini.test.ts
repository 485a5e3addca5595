import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createAdapter } from "../../connector/src/agents/index.ts";
import { startGeminiFake } from "../fakes/gemini.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { agentBinary } from "./helpers.ts";

defineAgentSuite({
  name: "gemini",
  startFake: startGeminiFake,
  adapter: async (url, home, { writes }) => {
    // Without this, a base URL makes the auth type "gateway", which headless mode rejects.
    await mkdir(join(home, ".gemini"), { recursive: true });
    await writeFile(
      join(home, ".gemini", "settings.json"),
      JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }),
    );
    return createAdapter("gemini", {
      command: agentBinary("gemini"),
      model: "gemini-fake",
      // Headless default mode does not register the shell tool; yolo is needed for the tool tests.
      approvalMode: writes ? "yolo" : "default",
      env: {
        HOME: home,
        GEMINI_API_KEY: "dummy",
        GOOGLE_GEMINI_BASE_URL: url,
        GEMINI_CLI_TRUST_WORKSPACE: "true",
      },
    });
  },
  isTurn: (r) => r.method === "POST" && r.path.includes(":streamGenerateContent"),
  shellTool: "run_shell_command",
  streamsDeltas: true,
});
