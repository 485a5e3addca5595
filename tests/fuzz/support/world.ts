/**
 * The fuzzing world of the HTTP suites: a real gateway process (rate limits off), user A with a connected echo
 * agent, a session, a task, a share link and an inbox message; user B with a private agent, a task, a session and
 * an inbox message. Answers to A may never show any of B's values that A's own request did not carry.
 */
import { connectAgent, createAgent, createUser, type TestAgent } from "../../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../../helpers/gateway-process.ts";
import { skillZip } from "../../skills/helpers.ts";

export interface World {
  gateway: GatewayProcess;
  agent: TestAgent;
  a: {
    user: string;
    /** A skill A published (1.0.0), for the registry's JSON routes. */
    skill: string;
    token: string;
    agentId: string;
    agentName: string;
    taskId: string;
    sessionId: string;
    share: string;
    inboxId: string;
  };
  b: {
    user: string;
    token: string;
    agentId: string;
    agentName: string;
    taskId: string;
    sessionId: string;
    inboxText: string;
  };
  stop(): Promise<void>;
}

const B_DESCRIPTION = "bob-only-description";
const B_TASK_TEXT = "bob-secret-text";

export async function startWorld(): Promise<World> {
  const a = {
    user: "",
    token: "",
    agentId: "",
    agentName: "",
    taskId: "",
    sessionId: "",
    share: "",
    inboxId: "",
    skill: "",
  };
  const b = { user: "", token: "", agentId: "", agentName: "", taskId: "", sessionId: "", inboxText: "" };
  const gateway = await startGateway({
    runtime: "node",
    env: { AGENT_MESH_RATE_LIMIT: "off", AGENT_MESH_SHARE_RATE_LIMIT: "off" },
  });
  const alice = await createUser(gateway.url, gateway.adminToken, `alice${Date.now().toString(36)}`);
  const bob = await createUser(gateway.url, gateway.adminToken, `bob${Date.now().toString(36)}`);
  a.token = alice.token;
  const own = await createAgent(alice.api, { visibility: "private" });
  a.agentId = own.id;
  a.agentName = own.name;
  const agent = await connectAgent(gateway.url, alice.token, own.id);
  const first = await alice.api.post(`/v1/agents/${own.id}/messages`, { message: "hello" });
  a.sessionId = first.body.session_id;
  a.taskId = (
    await alice.api.post(`/v1/agents/${own.id}/messages`, { message: "t", async: true })
  ).body.task_id;
  a.share = new URL((await alice.api.post(`/v1/agents/${own.id}/shares`, {})).body.url).pathname.split(
    "/",
  )[2]!;
  a.inboxId = (await alice.api.post(`/v1/agents/${own.id}/inbox`, { message: "to me" })).body.id;
  a.user = alice.name;
  a.skill = "fuzzed";
  const published = await fetch(`${gateway.url}/v1/skills/${a.user}/${a.skill}/1.0.0`, {
    method: "PUT",
    headers: { authorization: `Bearer ${a.token}` },
    body: skillZip(a.skill, "1.0.0") as Uint8Array<ArrayBuffer>,
  });
  if (published.status !== 201)
    throw new Error(`setup: publish ${published.status} ${await published.text()}`);

  b.user = bob.name;
  b.token = bob.token;
  const secret = await createAgent(bob.api, { visibility: "private", description: B_DESCRIPTION });
  b.agentId = secret.id;
  b.agentName = secret.name;
  const task = await bob.api.post(`/v1/agents/${secret.id}/messages`, {
    message: B_TASK_TEXT,
    async: true,
  });
  b.taskId = task.body.task_id;
  b.sessionId = task.body.session_id;
  b.inboxText = `bob-inbox-${Date.now().toString(36)}`;
  await bob.api.post(`/v1/agents/${secret.id}/inbox`, { message: b.inboxText });
  for (const [key, value] of Object.entries({ ...a, ...b })) if (!value) throw new Error(`setup: no ${key}`);
  return {
    gateway,
    agent,
    a,
    b,
    async stop() {
      agent.stop();
      await gateway.stop();
    },
  };
}

/** The first of B's values that `answer` shows although `sent` (A's path, headers and body) did not carry it. */
export function leakOf(world: World, sent: string, answer: string): string | null {
  const { b } = world;
  for (const secret of [
    b.agentId,
    b.agentName,
    b.taskId,
    b.sessionId,
    b.inboxText,
    B_TASK_TEXT,
    B_DESCRIPTION,
  ])
    if (!sent.includes(secret) && answer.includes(secret)) return secret;
  return null;
}
