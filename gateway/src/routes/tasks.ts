/**
 * `/v1/tasks`: a caller's async tasks. List (newest first, paginated), read, cancel, follow live over SSE
 * (re-attach with `Last-Event-ID`), and answer an input-required task with a new message. Only the creator
 * sees a task; anyone else gets the same 404 as for a task that does not exist.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { requireAuth } from "../auth/middleware.ts";
import { TASK_ID, TASK_STATES, type TaskRecord, type TaskState, taskView } from "../domain/tasks.ts";
import { ApiError } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import { PromptAnswer } from "../protocol/index.ts";
import { readJson } from "../util/body.ts";
import { pageQuery } from "../util/pages.ts";
import { afterSeqOf, SSE_HEADERS, sseChunk, sseGap } from "../util/sse.ts";
import { createSseBody } from "../util/sse-body.ts";

const ContinueBody = v.object({ message: v.pipe(v.string(), v.minLength(1, "message must not be empty")) });

export const taskRoutes = new Hono<GatewayEnv>()
  .get("/v1/tasks", requireAuth(), async (c) => {
    const { calls } = c.get("services");
    const status = c.req.query("status");
    if (status && !TASK_STATES.includes(status as TaskState)) {
      throw new ApiError(400, "invalid_request", `status must be one of ${TASK_STATES.join(", ")}.`);
    }
    const { limit, cursor } = pageQuery(c, { fallback: 50, max: 100, cursor: TASK_ID });
    const agentRef = c.req.query("agent");
    const agentId = agentRef ? (await calls.resolveAgent(c.get("caller"), agentRef)).id : undefined;
    const page = await calls.listTasks(c.get("caller"), {
      agentId,
      status: status as TaskState | undefined,
      limit,
      cursor,
    });
    return c.json({ tasks: page.tasks.map(taskView), next_cursor: page.nextCursor });
  })
  .get("/v1/tasks/:id", requireAuth(), async (c) => {
    return c.json(taskView(await c.get("services").calls.getTask(c.get("caller"), c.req.param("id"))));
  })
  .delete("/v1/tasks/:id", requireAuth(), async (c) => {
    return c.json(taskView(await c.get("services").calls.cancelTask(c.get("caller"), c.req.param("id"))));
  })
  .post("/v1/tasks/:id/input", requireAuth("call"), async (c) => {
    const answer = await readJson(c, PromptAnswer);
    const task = await c
      .get("services")
      .calls.answerPrompt(c.get("caller"), { taskId: c.req.param("id") }, answer);
    return c.json(taskView(task!));
  })
  .post("/v1/tasks/:id/messages", requireAuth("call", { rateLimited: true }), async (c) => {
    const { message } = await readJson(c, ContinueBody);
    const task = await c.get("services").calls.continueTask(c.get("caller"), c.req.param("id"), message);
    return c.json(taskView(task), 202);
  })
  .get("/v1/tasks/:id/events", requireAuth(), async (c) => {
    const { calls, unread } = c.get("services");
    const task = await calls.getTask(c.get("caller"), c.req.param("id"));
    const afterSeq = afterSeqOf(c.req.header("last-event-id") ?? c.req.query("after"));
    let follow: { stop(): void } | undefined;
    const out = createSseBody(unread, () => follow?.stop());
    follow = calls.followTask(c.get("caller"), task, afterSeq, {
      running: (t) => out.write(`event: status\ndata: ${JSON.stringify(taskView(t))}\n\n`),
      chunk: (seq, kind, delta) => out.write(sseChunk(seq, kind, delta)),
      gap: (afterSeq, nextSeq) => out.write(sseGap(afterSeq, nextSeq)),
      keepalive: () => out.write(": keepalive\n\n"),
      end: (t: TaskRecord) => {
        out.write(
          `event: ${t.status === "failed" ? "error" : "done"}\ndata: ${JSON.stringify(taskView(t))}\n\n`,
        );
        out.end();
      },
    });
    return new Response(out.body, { headers: SSE_HEADERS });
  });
