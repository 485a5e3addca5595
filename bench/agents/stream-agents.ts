/**
 * Several bench agents in one process (the cluster streams measurement): each one the real protocol client from
 * connector/, connected to the node it is given. A message `stream <count>` streams that many text chunks of
 * 64–256 bytes and finishes with "ok" (as bench/agents/bench-agent.ts does). Prints `stream agents connected` once
 * every client is welcomed.
 *
 *   node --import tsx bench/agents/stream-agents.ts '<json: {token, agents: [{name, url}]}>'
 */
import { AgentClient, type RequestReply } from "../../connector/src/client/agent-client.ts";
import { chunkSize } from "../lib/chunks.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as {
  token: string;
  agents: Array<{ name: string; url: string }>;
};
if (!options.token || !options.agents?.length) throw new Error("usage: stream-agents.ts '<json options>'");

const PAYLOAD = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(8).slice(0, 256);

function stream(count: number, reply: RequestReply): void {
  for (let i = 0; i < count; i++) reply.chunk(PAYLOAD.slice(0, chunkSize(i)));
  reply.done("ok");
}

const clients = options.agents.map(
  ({ name, url }) =>
    new AgentClient({
      url,
      token: options.token,
      agent: name,
      maxInflight: 100,
      onRequest(request, reply) {
        const match = /^stream (\d+)$/.exec(request.message);
        if (match) return stream(Number(match[1]), reply);
        reply.chunk(request.message);
        reply.done(request.message);
      },
    }),
);
await Promise.all(clients.map((client) => client.start()));
console.log("stream agents connected");
process.on("SIGTERM", () => {
  for (const client of clients) client.stop();
  process.exit(0);
});
