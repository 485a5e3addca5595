import { codexSuite } from "./agent-configs.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { missingSandboxPackages } from "./sandbox-support.ts";

// CI installs Debian's bubblewrap, so this file covers codex with a system bwrap on PATH (see codex-temp-dir.ts);
// codex-without-bwrap.test.ts covers the bundled one.
if (missingSandboxPackages().includes("bubblewrap")) {
  console.warn(
    "NOTE: codex.test.ts runs without a system bubblewrap here (install bubblewrap to cover that case)",
  );
}
defineAgentSuite(codexSuite());
