/**
 * `agent-mesh mcp` as two agents of two users, each a real stdio MCP server process driven by the MCP SDK
 * client, against a real gateway: messages to an interactive session land in its inbox, are redelivered until
 * acknowledged, an ask is answered by a reply, a queued task is offered as an ask and completed by the reply,
 * senders cannot be forged, offline and too-deep calls end cleanly.
 */
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { resultText } from "../helpers/mcp-client.ts";
import { sleep, waitFor } from "../helpers/wait.ts";
import { BIN, cleanupCli, freshHome, runCli } from "./helpers.ts";

let gateway: GatewayProcess;
const clients: Client[] = [];

beforeAll(async () => {
  gateway = await startGateway({ runtime: "bun", store: "fs" });
});
afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await gateway?.stop();
  cleanupCli();
});

/** A real `agent-mesh mcp --as <agent> --interactive` process with its own empty home, logged in by env. */
async function meshServer(token: string, as: string, env: Record<string, string> = {}) {
  const home = freshHome();
  const client = new Client({ name: "mesh-test", version: "1.0.0" });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp", "--as", as, "--interactive"],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      AGENT_MESH_HOME: `${home}/.agent-mesh`,
      AGENT_MESH_URL: gateway.url,
      AGENT_MESH_TOKEN: token,
      ...env,
    },
    stderr: "pipe",
  });
  await client.connect(transport);
  clients.push(client);
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args }, { timeout: 60_000 });
    return { text: resultText(result), isError: Boolean(result.isError) };
  };
  return { client, call, close: () => client.close() };
}

async function twoAgents(prefix: string) {
  const alice = await createUser(gateway.url, gateway.adminToken, `${prefix}-alice`);
  const bob = await createUser(gateway.url, gateway.adminToken, `${prefix}-bob`);
  const dev = await createAgent(alice.api, { visibility: "public" });
  const tester = await createAgent(bob.api, { visibility: "public" });
  return { alice, bob, dev, tester };
}

describe("agent-mesh mcp: agents messaging agents", () => {
  it("delivers to an interactive session's inbox, again until acknowledged, with the verified sender", async () => {
    const { alice, bob, dev, tester } = await twoAgents("mcp-inbox");
    const asDev = await meshServer(alice.token, dev.name);
    const asTester = await meshServer(bob.token, tester.name);
    const names = (await asDev.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "list_agents",
        "ask_agent",
        "send_message",
        "check_messages",
        "reply",
        "ack_messages",
      ]),
    );
    await waitFor(async () => (await alice.api.get(`/v1/agents/${dev.name}`)).body.mode === "interactive");
    const sent = await asTester.call("send_message", { to: dev.name, message: "the build is green" });
    expect(sent.text).toContain(`Left in ${dev.name}'s inbox`);

    const first = await asDev.call("check_messages", { lease_seconds: 1 });
    expect(first.text).toContain("the build is green");
    expect(first.text).toContain(`from: ${tester.name} (owner ${bob.name})`);
    const id = /id: (msg_[0-9a-z]+)/.exec(first.text)![1]!;
    // The reading session dies without acknowledging: a new one gets the message again.
    await asDev.close();
    await sleep(1100);
    const again = await meshServer(alice.token, dev.name);
    const second = await again.call("check_messages");
    expect(second.text).toContain(id);
    expect(second.text).toContain("delivered: 2 times");
    expect((await again.call("ack_messages", { ids: [id] })).text).toContain("acknowledged: 1");
    await sleep(1100);
    expect((await again.call("check_messages")).text).toContain("No new messages");
  });

  it("answers an ask with a reply: the asker's ask_agent returns it", async () => {
    const { alice, bob, dev, tester } = await twoAgents("mcp-ask");
    const asDev = await meshServer(alice.token, dev.name);
    const asTester = await meshServer(bob.token, tester.name);
    await waitFor(async () => (await alice.api.get(`/v1/agents/${dev.name}`)).body.mode === "interactive");
    const asking = asTester.call("ask_agent", {
      to: dev.name,
      message: "is main green?",
      timeout_seconds: 30,
    });
    const ask = await waitFor(async () => {
      const inbox = await asDev.call("check_messages");
      return inbox.text.includes("kind: ask") ? inbox.text : null;
    });
    const askId = /id: (msg_[0-9a-z]+)/.exec(ask)![1]!;
    const replied = await asDev.call("reply", {
      to: tester.name,
      message_id: askId,
      message: "yes, all green",
    });
    expect(replied.isError).toBe(false);
    const answer = await asking;
    expect(answer.isError).toBe(false);
    expect(answer.text).toContain("yes, all green");
  });

  it("offers a task queued for the session in check_messages, and the reply is the task's result", async () => {
    const { alice, bob, dev } = await twoAgents("mcp-task");
    const asDev = await meshServer(alice.token, dev.name);
    await waitFor(async () => (await alice.api.get(`/v1/agents/${dev.name}`)).body.mode === "interactive");
    const queued = await bob.api.post(`/v1/agents/${dev.name}/messages`, { message: "tag 2.4", async: true });
    const taskId = queued.body.task_id;
    const inbox = await asDev.call("check_messages");
    expect(inbox.text).toContain(`task: ${taskId} (your reply is its result)`);
    expect(inbox.text).toContain("tag 2.4");
    const askId = /id: (msg_[0-9a-z]+)/.exec(inbox.text)![1]!;
    const replied = await asDev.call("reply", { to: bob.name, message_id: askId, message: "tagged 2.4" });
    expect(replied.isError).toBe(false);
    expect(replied.text).toContain(`Task ${taskId} is completed with your reply as its result.`);
    expect((await bob.api.get(`/v1/tasks/${taskId}`)).body).toMatchObject({
      status: "completed",
      result: "tagged 2.4",
    });
    expect((await asDev.call("check_messages")).text).toContain("No new messages");
  });

  it("cannot speak as someone else's agent, and says why with the gateway's code", async () => {
    const { bob, dev } = await twoAgents("mcp-forge");
    await expect(meshServer(bob.token, dev.name)).rejects.toThrow();
    const refused = await runCli(["mcp", "--as", dev.name], {
      home: freshHome(),
      env: { AGENT_MESH_URL: gateway.url, AGENT_MESH_TOKEN: bob.token },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("[not_your_agent]");
  });

  it("ends asks to offline agents and calls past the depth limit with their codes, and asks served agents through the relay", async () => {
    const { alice, bob, dev, tester } = await twoAgents("mcp-offline");
    const asTester = await meshServer(bob.token, tester.name);
    const offline = await asTester.call("ask_agent", { to: dev.name, message: "hello?" });
    expect(offline.isError).toBe(true);
    expect(offline.text).toContain("agent_offline");

    const served = await connectAgent(gateway.url, alice.token, dev.name, (request, reply) =>
      reply.done(`echo: ${request.message}`),
    );
    const answered = await asTester.call("ask_agent", { to: dev.name, message: "ping" });
    expect(answered.text).toContain("echo: ping");

    const chain = [
      "ag_00000000000000b1",
      "ag_00000000000000b2",
      "ag_00000000000000b3",
      "ag_00000000000000b4",
    ];
    const deep = await meshServer(bob.token, tester.name, { AGENT_MESH_CHAIN: chain.join(",") });
    const refused = await deep.call("ask_agent", { to: dev.name, message: "ping" });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("call_depth_exceeded");
    served.stop();
  });

  it("passes a long ask's progress through while the other agent works", async () => {
    const { alice, bob, dev, tester } = await twoAgents("mcp-progress");
    const progress: number[] = [];
    let progressSeen: () => void = () => {};
    const seen = new Promise<string>((resolve) => {
      progressSeen = () => resolve("after progress");
    });
    // The agent answers only once the local client got progress: a bridge that held the gateway's event stream
    // back until its end would leave it waiting, and the answer would say so.
    const served = await connectAgent(gateway.url, alice.token, dev.name, async (request, reply) => {
      reply.chunk("thinking it over");
      const when = await Promise.race([seen, sleep(10_000).then(() => "with no progress seen")]);
      reply.done(`slow echo: ${request.message}, ${when}`);
    });
    const asTester = await meshServer(bob.token, tester.name);
    const answer = await asTester.client.callTool(
      { name: "ask_agent", arguments: { to: dev.name, message: "ping" } },
      {
        timeout: 60_000,
        onprogress: (p: { progress: number }) => {
          progress.push(p.progress);
          progressSeen();
        },
      } as never,
    );
    expect(resultText(answer)).toContain("slow echo: ping, after progress");
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    served.stop();
  });
});
