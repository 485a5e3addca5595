/** `GET|DELETE /v1/tasks/:id`: read or cancel an async task. Only its creator sees it. */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware.ts";
import { isTerminal, taskView } from "../domain/tasks.ts";
import { ApiError } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";

const notFound = (id: string) => new ApiError(404, "task_not_found", `No task ${id} of yours.`);

export const taskRoutes = new Hono<GatewayEnv>()
  .get("/v1/tasks/:id", requireAuth(), async (c) => {
    const task = await c.var.services.tasks.get(c.req.param("id"));
    if (!task || task.owner !== c.var.caller.user) throw notFound(c.req.param("id"));
    return c.json(taskView(task));
  })
  .delete("/v1/tasks/:id", requireAuth(), async (c) => {
    const { tasks, hub } = c.var.services;
    const task = await tasks.get(c.req.param("id"));
    if (!task || task.owner !== c.var.caller.user) throw notFound(c.req.param("id"));
    if (isTerminal(task.status)) {
      throw new ApiError(
        409,
        "task_finished",
        `Task ${task.id} already ended (${task.status}); nothing to cancel.`,
      );
    }
    task.status = "canceled";
    task.error = { code: "canceled", message: "Canceled by the caller." };
    await tasks.save(task);
    await hub.cancel(task.agent_id, task.id);
    return c.json(taskView(task));
  });
