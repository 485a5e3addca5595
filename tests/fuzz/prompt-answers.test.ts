/**
 * Property: while an agent waits on a permission prompt, a caller's answers (any body: near-valid, other prompt
 * ids, wrong types, pollution keys) get a well-formed, coded answer; the agent receives only schema-valid `input`
 * frames for the prompt it asked, and the caller's stream still ends with the agent's `done`.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { fuzzBody, jsonValue, nearValid } from "./support/arbitraries.ts";
import { answerProblem } from "./support/check-response.ts";
import { send } from "./support/fuzz-request.ts";
import { finish, openAgentSocket, sendHello } from "./support/raw-agent-socket.ts";
import { FUZZ_SCALE, FUZZ_TIMEOUT } from "./support/scale.ts";

let gateway: GatewayProcess;
let alice: Awaited<ReturnType<typeof createUser>>;
const ids = { aliceToken: "", bobToken: "", target: "" };
const PROMPT = { prompt_id: "p-1", tool: "Write", input: { path: "notes.md" }, summary: "Write notes.md" };

describe("fuzz: answers to permission prompts", FUZZ_TIMEOUT, () => {
  beforeAll(async () => {
    gateway = await startGateway({ runtime: "node", env: { AGENT_MESH_RATE_LIMIT: "off" } });
    alice = await createUser(gateway.url, gateway.adminToken, `alice${Date.now().toString(36)}`);
    const bob = await createUser(gateway.url, gateway.adminToken, `bob${Date.now().toString(36)}`);
    ids.aliceToken = alice.token;
    ids.bobToken = bob.token;
    ids.target = (await createAgent(alice.api, { visibility: "public" })).id;
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("every answer is coded, only valid input frames reach the agent, and the stream still ends", async () => {
    let forwarded = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fuzzBody({ prompt_id: "p-1", decision: "allow", updated_input: { path: "x.md" }, message: "ok" }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        async (answers) => {
          const socket = await openAgentSocket(gateway.url);
          await sendHello(socket, ids.aliceToken, ids.target);
          const stream = await fetch(`${gateway.url}/v1/agents/${ids.target}/messages`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${ids.bobToken}`,
              "content-type": "application/json",
              accept: "text/event-stream",
            },
            body: JSON.stringify({ message: "may I?" }),
            signal: AbortSignal.timeout(15_000),
          });
          const requestId = stream.headers.get("x-agent-mesh-request-id");
          const request = await socket.next("request", 3000);
          if (!requestId || !request) throw new Error(`no live request (${stream.status})`);
          const id = String(request.id);
          socket.ws.send(
            JSON.stringify({ type: "chunk", id, seq: 1, kind: "permission", delta: JSON.stringify(PROMPT) }),
          );
          const reader = stream.body!.getReader();
          let events = "";
          const decoder = new TextDecoder();
          while (!events.includes("event: permission")) {
            const { done, value } = await reader.read();
            if (done) throw new Error(`the stream ended before the prompt: ${events}`);
            events += decoder.decode(value, { stream: true });
          }
          for (const answer of answers) {
            const res = await send(
              `${gateway.url}/v1/agents/${ids.target}/messages/${requestId}/input`,
              "POST",
              ids.bobToken,
              answer,
            );
            const problem = answerProblem(res);
            if (problem) throw new Error(`${res.status}: ${problem}`);
          }
          socket.ws.send(JSON.stringify({ type: "done", id, seq: 2, result: "finished" }));
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            events += decoder.decode(value, { stream: true });
          }
          // The agent's done, or (answers slower than the call's timeout) an error event with a code.
          const ended =
            (events.includes("event: done") && events.includes("finished")) ||
            /event: error\ndata: \{"code":"[a-z][a-z0-9_]*"/.test(events);
          if (!ended)
            throw new Error(`the stream did not end with done or a coded error: ${events.slice(-300)}`);
          await socket.next("__never__", 50);
          await finish(socket);
          for (const frame of socket.received.filter((f) => f.type === "input")) {
            forwarded++;
            if (frame.id !== id || frame.prompt_id !== "p-1")
              throw new Error(`an input frame for something the agent never asked: ${JSON.stringify(frame)}`);
          }
        },
      ),
      {
        numRuns: Math.ceil(30 * FUZZ_SCALE),
        examples: [
          [
            [
              {
                contentType: "application/json",
                body: JSON.stringify({ prompt_id: "p-1", decision: "deny" }),
              },
            ],
          ],
        ],
      },
    );
    // The honest answer got through (so the check above is not vacuous).
    expect(forwarded).toBeGreaterThan(0);
  });

  it("over A2A: fuzzed answers on a waiting task reach the agent only as its own input frames", async () => {
    // The first message blocks until the prompt arrives; answers return at once (one that starts a new turn would
    // otherwise wait for an agent that never answers it).
    const rpc = (agent: string, message: Record<string, unknown>) =>
      fetch(`${gateway.url}/a2a/${agent}/`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${ids.bobToken}`,
          "content-type": "application/json",
          "a2a-version": "1.0",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "SendMessage",
          params: { message, configuration: { returnImmediately: message.taskId !== undefined } },
        }),
        signal: AbortSignal.timeout(15_000),
      });
    let forwarded = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            nearValid({ decision: "allow", message: "ok", updated_input: { path: "x.md" } }).map((data) => ({
              data,
            })),
            jsonValue.map((data) => ({ data })),
            fc.string({ unit: "binary", maxLength: 50 }).map((text) => ({ text: `allow ${text}` })),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        async (parts) => {
          // A fresh agent each time: a task turn left over from an earlier case would be delivered first.
          const agent = (await createAgent(alice.api, { visibility: "public" })).id;
          const socket = await openAgentSocket(gateway.url);
          await sendHello(socket, ids.aliceToken, agent);
          const started = rpc(agent, { messageId: "m-0", role: "ROLE_USER", parts: [{ text: "may I?" }] });
          const request = await socket.next("request", 3000);
          if (!request) throw new Error("the agent never got the task");
          const id = String(request.id);
          socket.ws.send(
            JSON.stringify({ type: "chunk", id, seq: 1, kind: "permission", delta: JSON.stringify(PROMPT) }),
          );
          const task = (await (await started).json()).result?.task;
          if (task?.status?.state !== "TASK_STATE_INPUT_REQUIRED")
            throw new Error(`not waiting: ${JSON.stringify(task)}`);
          const before = socket.received.length;
          for (const [index, part] of parts.entries()) {
            const res = await rpc(agent, {
              messageId: `m-${index + 1}`,
              role: "ROLE_USER",
              taskId: task.id,
              parts: [part],
            });
            const answer = {
              status: res.status,
              contentType: res.headers.get("content-type") ?? "",
              text: await res.text(),
            };
            const problem = answerProblem(answer);
            if (problem) throw new Error(`${answer.status}: ${problem}`);
          }
          socket.ws.send(JSON.stringify({ type: "done", id, seq: 2, result: "finished" }));
          await socket.next("__never__", 50);
          await finish(socket);
          for (const frame of socket.received.slice(before)) {
            if (frame.type === "input") forwarded++;
            const own = frame.id === undefined || frame.id === id || frame.type === "request";
            const expected = ["input", "ack", "pong", "cancel", "request"].includes(String(frame.type));
            if (!own || !expected || (frame.type === "input" && frame.prompt_id !== "p-1"))
              throw new Error(`the agent got a frame nobody meant for it: ${JSON.stringify(frame)}`);
          }
        },
      ),
      {
        numRuns: Math.ceil(20 * FUZZ_SCALE),
        examples: [[[{ data: { decision: "allow", type: "cancel", id: "another-request" } }]]],
      },
    );
    expect(forwarded).toBeGreaterThan(0);
  });
});
