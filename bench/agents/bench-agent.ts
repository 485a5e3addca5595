/**
 * The agent side of the relay measurements, one process for the floor and the gateway alike: the real protocol
 * client from connector/ with two behaviours. A message `stream <count>` streams that many text chunks of 64–256
 * bytes and finishes with "ok"; any other message is echoed in one chunk and as the result.
 *
 *   node --import tsx bench/agents/bench-agent.ts <url> <token> <agent>
 */
import { AgentClient, type RequestReply } from "../../connector/src/client/agent-client.ts";
import { chunkSize } from "../lib/chunks.ts";

const [url, token, agent] = process.argv.slice(2);
if (!url || !token || !agent) throw new Error("usage: bench-agent.ts <url> <token> <agent>");

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const PAYLOAD = ALPHABET.repeat(8).slice(0, 256);

function stream(count: number, reply: RequestReply): void {
  for (let i = 0; i < count; i++) reply.chunk(PAYLOAD.slice(0, chunkSize(i)));
  reply.done("ok");
}

const client = new AgentClient({
  url,
  token,
  agent,
  maxInflight: 100,
  onRequest(request, reply) {
    const match = /^stream (\d+)$/.exec(request.message);
    if (match) return stream(Number(match[1]), reply);
    reply.chunk(request.message);
    reply.done(request.message);
  },
});
await client.start();
console.log("bench agent connected");
process.on("SIGTERM", () => {
  client.stop();
  process.exit(0);
});
