/**
 * Several bench agents in one process (the cluster streams measurement): each one the real protocol client from
 * connector/, connected to the node it is given. A message `stream <count>` streams that many text chunks of
 * 64–256 bytes and finishes with "ok" (as bench/agents/bench-agent.ts does). Prints `stream agents connected` once
 * every client is welcomed.
 *
 *   node --import tsx bench/agents/stream-agents.ts '<json: {token, agents: [{name, url}]}>'
 */
import { AgentClient } from "../../connector/src/client/agent-client.ts";
import { answerBenchRequest } from "./bench-answer.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as {
  token: string;
  agents: Array<{ name: string; url: string }>;
};
if (!options.token || !options.agents?.length) throw new Error("usage: stream-agents.ts '<json options>'");

const clients = options.agents.map(
  ({ name, url }) =>
    new AgentClient({
      url,
      token: options.token,
      agent: name,
      maxInflight: 100,
      onRequest: answerBenchRequest,
    }),
);
await Promise.all(clients.map((client) => client.start()));
console.log("stream agents connected");
process.on("SIGTERM", () => {
  for (const client of clients) client.stop();
  process.exit(0);
});
