/**
 * Following A2A tasks with the real SDK client on both bindings: SubscribeToTask after a cut connection (with
 * replay through Last-Event-ID), push notifications to a webhook on 127.0.0.1, and tasks surviving a restart.
 */
import { createServer, type Server } from "node:http";
import { TaskState } from "@a2a-js/sdk";
import { describe, expect, it } from "vitest";
import { a2aClient, asTask, BINDINGS, collect, gate, streamedText, userMessage } from "../../helpers/a2a.ts";
import { connectAgent, createAgent, createUser } from "../../helpers/fixtures.ts";
import { waitFor } from "../../helpers/wait.ts";
import type { GatewayContext } from "./index.ts";

export function a2aFollowContract(ctx: () => GatewayContext): void {
  async function setup(name: string) {
    const { url, adminToken } = ctx().gateway;
    const user = await createUser(url, adminToken, name);
    const agent = await createAgent(user.api);
    return { url, user, agent, base: `${url}/a2a/${agent.name}/` };
  }

  describe("A2A v1.0 door: following tasks", () => {
    for (const binding of BINDINGS) {
      const tag = binding === "JSONRPC" ? "rpc" : "rest";
      describe(`over ${binding}`, () => {
        it("SubscribeToTask re-attaches after a cut connection and replays what was missed (Last-Event-ID)", async () => {
          const { user, agent, base } = await setup(`a2a-subscribe-${tag}`);
          const release = gate();
          const connected = await connectAgent(
            ctx().gateway.url,
            user.token,
            agent.name,
            async (_r, reply) => {
              reply.chunk("a1 ");
              reply.chunk("a2 ");
              reply.chunk("a3 ");
              await release.opened;
              reply.chunk("b1 ");
              reply.done("a1 a2 a3 b1 ");
            },
          );
          const client = await a2aClient(binding, base, user.token);
          const task = asTask(
            await client.sendMessage(userMessage("go", { configuration: { returnImmediately: true } })),
          );
          const cut = new AbortController();
          const seen = await collect(
            client.resubscribeTask({ id: task.id, tenant: "" }, { signal: cut.signal }),
            (events) => {
              if (streamedText(events) !== "a1 a2 ") return false;
              cut.abort();
              return true;
            },
          );
          expect(seen[0]?.payload?.$case).toBe("task");
          const rest = await collect(
            client.resubscribeTask(
              { id: task.id, tenant: "" },
              { serviceParameters: { "Last-Event-ID": "1:2" } },
            ),
            (events) => {
              if (streamedText(events) === "a3 ") release.open();
              return false;
            },
          );
          expect(rest[0]?.payload?.$case).toBe("task");
          expect(streamedText(rest)).toBe("a3 b1 ");
          const last = rest.at(-1)?.payload;
          expect(last?.$case === "statusUpdate" && last.value.status?.state).toBe(
            TaskState.TASK_STATE_COMPLETED,
          );
          await expect(collect(client.resubscribeTask({ id: task.id, tenant: "" }))).rejects.toMatchObject({
            name: "UnsupportedOperationError",
          });
          connected.stop();
        });

        it("pushes task events to a webhook with the config's credentials; configs can be read and deleted", async () => {
          const { user, agent, base } = await setup(`a2a-push-${tag}`);
          const received: Array<{ auth?: string; token?: string; url?: string; body: Record<string, any> }> =
            [];
          const server: Server = createServer((req, res) => {
            let body = "";
            req.on("data", (d) => (body += d));
            req.on("end", () => {
              received.push({
                url: req.url,
                auth: req.headers.authorization,
                token: req.headers["x-a2a-notification-token"] as string | undefined,
                body: JSON.parse(body),
              });
              res.end();
            });
          });
          await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
          const hook = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
          try {
            const release = gate();
            const connected = await connectAgent(
              ctx().gateway.url,
              user.token,
              agent.name,
              async (_r, reply) => {
                await release.opened;
                reply.done("pushed");
              },
            );
            const client = await a2aClient(binding, base, user.token);
            const task = asTask(
              await client.sendMessage(
                userMessage("notify me", {
                  configuration: {
                    returnImmediately: true,
                    taskPushNotificationConfig: {
                      id: "first",
                      url: hook,
                      token: "tok-1",
                      authentication: { scheme: "Bearer", credentials: "hook-secret" },
                    },
                  },
                }),
              ),
            );
            const second = await client.createTaskPushNotificationConfig({
              tenant: "",
              id: "second",
              taskId: task.id,
              url: `${hook}?n=2`,
              token: "",
              authentication: undefined,
            });
            expect(second).toMatchObject({ id: "second", taskId: task.id });
            const listed = await client.listTaskPushNotificationConfig({
              tenant: "",
              taskId: task.id,
              pageSize: 0,
              pageToken: "",
            });
            expect(listed.configs.map((c) => c.id).sort()).toEqual(["first", "second"]);
            await client.deleteTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: "second" });
            await expect(
              client.getTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: "second" }),
            ).rejects.toThrow(/no push config/);
            expect(
              (await client.getTaskPushNotificationConfig({ tenant: "", taskId: task.id, id: "first" })).url,
            ).toBe(hook);
            release.open();
            const final = await waitFor(
              () => received.find((r) => r.body.statusUpdate?.status?.state === "TASK_STATE_COMPLETED"),
              { what: "COMPLETED push" },
            );
            expect(final).toMatchObject({ auth: "Bearer hook-secret", token: "tok-1" });
            expect(final.body.statusUpdate.taskId).toBe(task.id);
            const artifact = received.find((r) => r.body.artifactUpdate);
            expect(artifact?.body.artifactUpdate.artifact.parts).toEqual([{ text: "pushed" }]);
            // The second config may get the task's move to working before it is deleted; the first's carry its auth.
            const toFirst = received.filter((r) => r.url === "/hook");
            expect(toFirst.every((r) => r.auth === "Bearer hook-secret")).toBe(true);
            connected.stop();
          } finally {
            server.close();
          }
        });
      });
    }

    it("keeps an A2A task across a gateway restart and runs it when the agent connects", async () => {
      const { gateway } = ctx();
      const { user, agent, base } = await setup("a2a-restart");
      const before = await a2aClient("JSONRPC", base, user.token);
      const task = asTask(
        await before.sendMessage(userMessage("survive", { configuration: { returnImmediately: true } })),
      );
      expect(task.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
      await gateway.restart();
      const connected = await connectAgent(gateway.url, user.token, agent.name);
      const after = await a2aClient("HTTP+JSON", base, user.token);
      const done = await waitFor(async () => {
        const now = await after.getTask({ id: task.id, tenant: "" });
        return now.status?.state === TaskState.TASK_STATE_COMPLETED ? now : null;
      });
      expect(done.contextId).toBe(task.contextId);
      connected.stop();
    });
  });
}
