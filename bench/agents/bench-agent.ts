/**
 * The agent side of the relay measurements, one process for the floor and the gateway alike: the real protocol
 * client from connector/ with two behaviours. A message `stream <count>` streams that many text chunks of 64–256
 * bytes and finishes with "ok"; any other message is echoed in one chunk and as the result.
 *
 *   node --import tsx bench/agents/bench-agent.ts <url> <token> <agent>
 */
import { AgentClient } from "../../connector/src/client/agent-client.ts";
import { answerBenchRequest } from "./bench-answer.ts";

const [url, token, agent] = process.argv.slice(2);
if (!url || !token || !agent) throw new Error("usage: bench-agent.ts <url> <token> <agent>");

const client = new AgentClient({
  url,
  token,
  agent,
  maxInflight: 100,
  onRequest: answerBenchRequest,
});
await client.start();
console.log("bench agent connected");
process.on("SIGTERM", () => {
  client.stop();
  process.exit(0);
});
