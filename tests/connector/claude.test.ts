import { claudeSuite } from "./agent-configs.ts";
import { defineAgentSuite } from "./agent-suite.ts";

defineAgentSuite(claudeSuite());
