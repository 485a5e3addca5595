/**
 * Tasks: your async tasks with live status (polled list, SSE on an open task), a form to queue a new one,
 * and cancel. `GET /v1/tasks?agent=&status=&limit=&cursor=` pages through them, newest first.
 */
import { ApiFailure, api, listAgents, stream } from "../api.ts";
import { field, h, replace, timeAgo } from "../dom.ts";
import type { ViewContext } from "../main.ts";
import { markdown } from "../markdown.ts";
import { downloadLink } from "../reply.ts";
import type { Task } from "../types.ts";
import { errorBox, pageHeader, poll, statusBadge } from "../ui.ts";
import { answerPanel } from "./task-answer.ts";

const STATUSES = ["submitted", "working", "input-required", "completed", "failed", "canceled"];
const TERMINAL = new Set(["completed", "failed", "canceled"]);
const PAGE = 20;

export async function renderTasks({ root, alive }: ViewContext): Promise<void> {
  const { agents } = await listAgents();
  const names = new Map(agents.map((a) => [a.id, a.name]));
  const status = h(
    "select",
    { id: "status-filter" },
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  const agentFilter = h(
    "select",
    { id: "agent-filter" },
    h("option", { value: "" }, "Any agent"),
    agents.map((a) => h("option", { value: a.name }, a.name)),
  );
  const list = h("ul", { class: "tasks card", "aria-label": "Tasks" });
  const problem = h("div");
  const more = h("button", { type: "button", class: "ghost", hidden: true }, "Load more");
  let pages = 1;
  let cursor: string | null = null;

  // The new-task form: queues a message as an async task.
  const target = h(
    "select",
    { id: "task-agent", required: true },
    agents.map((a) => h("option", { value: a.name }, a.name)),
  );
  const text = h("textarea", { id: "task-message", rows: 2, required: true });
  const queued = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card new-task" },
    h("h2", null, "New task"),
    h("div", { class: "row wrap" }, field("Agent", target), field("Task", text)),
    h("button", { type: "submit", class: "primary" }, "Queue task"),
    queued,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const task = await api<Task>("POST", `/v1/agents/${encodeURIComponent(target.value)}/messages`, {
        message: text.value,
        async: true,
      });
      text.value = "";
      replace(
        queued,
        h("p", { class: "ok" }, "Queued ", h("a", { href: `#/tasks/${task.task_id}` }, task.task_id), "."),
      );
      await load();
    } catch (error) {
      replace(queued, errorBox(error));
    }
  });

  async function load(): Promise<void> {
    const tasks: Task[] = [];
    cursor = null;
    // A filtered page may hold fewer than asked, even none: more requests fill the pages shown, up to a bound.
    for (let request = 0; tasks.length < pages * PAGE && request < pages * 10; request++) {
      const query = new URLSearchParams({ limit: String(Math.min(100, pages * PAGE - tasks.length)) });
      if (status.value) query.set("status", status.value);
      if (agentFilter.value) query.set("agent", agentFilter.value);
      if (cursor) query.set("cursor", cursor);
      const res = await api<{ tasks: Task[]; next_cursor: string | null }>("GET", `/v1/tasks?${query}`);
      tasks.push(...res.tasks);
      cursor = res.next_cursor;
      if (!cursor) break;
    }
    more.hidden = !cursor;
    replace(
      list,
      tasks.length
        ? tasks.map((t) =>
            h(
              "li",
              { class: "task-row", "data-task": t.task_id, "data-status": t.status },
              // What the task asked, one line; its id below (a gateway before tasks carried their message: the id).
              h(
                "a",
                { href: `#/tasks/${t.task_id}`, class: "task-link" },
                t.message ? h("span", { class: "task-message" }, t.message) : null,
                h("code", { class: t.message ? "muted small" : undefined }, t.task_id),
              ),
              statusBadge(t.status),
              h("span", null, names.get(t.agent_id ?? "") ?? t.agent_id),
              h("span", { class: "muted" }, timeAgo(t.updated_at)),
            ),
          )
        : h("li", { class: "empty muted" }, "No tasks yet."),
    );
  }
  const reload = async () => {
    try {
      await load();
      replace(problem);
    } catch (error) {
      replace(problem, errorBox(error));
    }
  };
  status.addEventListener("change", reload);
  agentFilter.addEventListener("change", reload);
  more.addEventListener("click", () => {
    pages++;
    void reload();
  });
  replace(
    root,
    pageHeader("Tasks"),
    agents.length ? form : null,
    h("div", { class: "filters" }, field("Show status", status), field("Show agent", agentFilter)),
    problem,
    list,
    more,
  );
  poll(load, 2000, alive);
}

export async function renderTask({ root, params, alive }: ViewContext): Promise<void> {
  const id = params[0]!;
  const head = pageHeader("Task");
  const body = h("div", { class: "card task" });
  const chunks = h("pre", { class: "task-live", hidden: true });
  replace(root, h("p", null, h("a", { href: "#/tasks" }, "← All tasks")), head, body, chunks);
  let task: Task | undefined;
  let following = false;
  const draw = (t: Task) => {
    // Reads and stream events can land out of order (a re-read sent before the task ended may answer after its
    // ending is drawn): an ended task is never drawn back as running, nor any state older than the one shown.
    if (task && (TERMINAL.has(task.status) ? !TERMINAL.has(t.status) : t.updated_at < task.updated_at))
      return;
    task = t;
    const cancel = TERMINAL.has(t.status)
      ? null
      : h("button", { type: "button", class: "danger", onclick: cancelTask }, "Cancel task");
    replace(
      body,
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Id"),
        h("dd", null, h("code", null, t.task_id)),
        t.message ? h("dt", null, "Message") : null,
        t.message ? h("dd", { class: "task-message-full" }, t.message) : null,
        h("dt", null, "Status"),
        h("dd", { class: "task-status" }, statusBadge(t.status)),
        // No connector serves the agent, but a person's session does: the task waits in its inbox.
        t.inbox_ask ? h("dt", null, "Waiting for") : null,
        t.inbox_ask
          ? h(
              "dd",
              { class: "task-offered" },
              `a reply from ${t.agent_name ?? "the agent"}'s session (asked in its inbox)`,
            )
          : null,
        h("dt", null, "Updated"),
        h("dd", null, timeAgo(t.updated_at)),
      ),
      t.result ? h("section", null, h("h2", null, "Result"), markdown(t.result)) : null,
      t.error ? errorBox(new ApiFailure(0, t.error.code, t.error.message)) : null,
      t.attachments?.length
        ? h(
            "ul",
            { class: "attachments" },
            t.attachments.map((a) => h("li", null, downloadLink(a))),
          )
        : null,
      answerPanel(t, (next) => {
        draw(next);
        void follow();
      }),
      cancel,
    );
  };
  async function cancelTask(): Promise<void> {
    try {
      draw(await api<Task>("DELETE", `/v1/tasks/${encodeURIComponent(id)}`));
    } catch (error) {
      body.appendChild(errorBox(error));
    }
  }
  try {
    draw(await api<Task>("GET", `/v1/tasks/${encodeURIComponent(id)}`));
  } catch (error) {
    replace(body, errorBox(error));
    return;
  }
  await follow();

  /**
   * Follows the task live until it ends or its turn ends with a question; the stream ends with the task. A
   * permission prompt arrives as an event of the running turn: the task is read again to show it (and its
   * answer panel), and the stream goes on. Runs once at a time (an answer to a prompt finds it running).
   */
  async function follow(): Promise<void> {
    if (following) return;
    following = true;
    chunks.textContent = "";
    const waitsOnCaller = () => task!.status === "input-required" && !task!.prompt;
    const reread = async () => draw(await api<Task>("GET", `/v1/tasks/${encodeURIComponent(id)}`));
    try {
      while (alive() && !TERMINAL.has(task!.status) && !waitsOnCaller()) {
        const controller = new AbortController();
        try {
          await stream(`/v1/tasks/${encodeURIComponent(id)}/events`, {
            signal: controller.signal,
            onEvent: (event) => {
              if (!alive()) return controller.abort();
              const data = JSON.parse(event.data);
              if (event.event === "chunk") {
                if (data.kind !== "text") return;
                chunks.hidden = false;
                chunks.append(data.delta);
              } else if (event.event === "permission" || event.event === "permission_withdrawn")
                void reread();
              else if (event.event === "gap") {
                // Chunks that never reached the gateway; the result, shown when the task ends, is whole.
                chunks.hidden = false;
                chunks.append(`\n[${data.message}]\n`);
              } else draw(data as Task);
            },
          });
        } catch {
          if (!alive()) return;
          await new Promise((r) => setTimeout(r, 1000));
        }
        if (!alive()) return;
        if (!TERMINAL.has(task!.status)) {
          await new Promise((r) => setTimeout(r, 300));
          await reread();
        }
      }
      chunks.hidden = true;
    } finally {
      following = false;
    }
  }
}
