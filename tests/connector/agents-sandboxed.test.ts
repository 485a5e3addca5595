/**
 * The real-binary suites of claude, codex and gemini again, with every agent process in the real sandbox: the
 * model fakes on 127.0.0.1 are reached only through the sandbox's proxy (their host is on the allow list).
 */
import { claudeSuite, codexSuite, geminiSuite } from "./agent-configs.ts";
import { defineAgentSuite } from "./agent-suite.ts";
import { sandboxAvailable } from "./sandbox-support.ts";

if (sandboxAvailable("agents-sandboxed.test.ts (the sandbox needs them)")) {
  for (const suite of [claudeSuite, codexSuite, geminiSuite]) {
    defineAgentSuite(suite({ sandboxed: true, suffix: "-sandboxed" }));
  }
}
