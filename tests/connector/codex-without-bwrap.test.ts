import { existsSync } from "node:fs";
import { join } from "node:path";
import { codexSuite } from "./agent-configs.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { pathWithout } from "./path-without.ts";

// codex.test.ts's suite on a PATH without `bwrap`: codex then uses the bubblewrap it bundles. With CI's Debian
// bubblewrap installed, codex.test.ts covers "present" and this file "absent".
defineAgentSuite(
  codexSuite({
    suffix: "-no-bwrap",
    env: async () => {
      const path = await pathWithout("bwrap");
      if (existsSync(join(path, "bwrap"))) throw new Error("bwrap is still on the test PATH");
      return { PATH: path };
    },
  }),
);
