/**
 * `reloadTaskBacklogs` (a cluster node whose Redis came back): every agent linked here gets the tasks that sit in
 * its backlog without having been handed over, however many agents the node holds.
 */
import { afterAll, describe, expect, it } from "vitest";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";

const AGENTS = 60;

describe("reloading task backlogs", () => {
  const gateway = inProcessGateway();
  afterAll(() => gateway.dispose());

  const post = async <T>(path: string, token: string, body: unknown) =>
    (await inProcessApi(gateway, token).post<T>(path, body)).body;

  it("delivers each linked agent's stranded task once", async () => {
    await gateway.init();
    const home = gateway.home!;
    const user = await post<{ token: string }>("/v1/tokens", IN_PROCESS_ADMIN_TOKEN, {
      name: "backlog-user",
    });
    const requests = new Map<string, string[]>();
    const agents: Array<{ id: string; name: string }> = [];
    for (let i = 0; i < AGENTS; i++) {
      const agent = await post<{ id: string; name: string }>("/v1/agents", user.token, {
        name: `backlog-${i}`,
      });
      agents.push(agent);
      const seen: string[] = [];
      requests.set(agent.id, seen);
      const socket = {
        send(text: string) {
          const frame = JSON.parse(text);
          if (frame.type === "request") seen.push(frame.message);
        },
        close() {},
      };
      const connection = home.accept(socket);
      home.message(
        connection,
        JSON.stringify({ type: "hello", protocol: { min: 1, max: 3 }, token: user.token, agent: agent.name }),
      );
    }
    await expect.poll(() => home.counts().agentsConnected).toBe(AGENTS);

    // Queued in the store only: the hub is never told (a handoff lost to an outage).
    for (const agent of agents) {
      await gateway.services.tasks.create({
        agent_id: agent.id,
        agent_name: agent.name,
        owner: "backlog-user",
        session_id: "s",
        client_id: "0123456789abcdef",
        message: `task for ${agent.name}`,
      });
    }
    expect([...requests.values()].every((seen) => seen.length === 0)).toBe(true);

    expect(await home.reloadTaskBacklogs()).toBe(true);
    for (const agent of agents) expect(requests.get(agent.id)).toEqual([`task for ${agent.name}`]);

    // Reading again sends nothing twice: the tasks are running.
    expect(await home.reloadTaskBacklogs()).toBe(true);
    for (const agent of agents) expect(requests.get(agent.id)).toHaveLength(1);
  });
});
