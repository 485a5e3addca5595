/**
 * What a task that waits on its caller (`input-required`) asks, and the answer, on the task's page: a permission
 * prompt of its running turn (an agent connected with `--ask-caller`) is allowed or denied (`POST
 * /v1/tasks/:id/input`, with an optional word for the agent); a turn that ended with a question gets a reply, which
 * runs the next turn in the same session (`POST /v1/tasks/:id/messages`). Both answer with the task.
 */
import { api } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { Task } from "../types.ts";
import { errorBox } from "../ui.ts";

export function answerPanel(task: Task, answered: (next: Task) => void): HTMLElement | null {
  if (task.status !== "input-required") return null;
  const base = `/v1/tasks/${encodeURIComponent(task.task_id)}`;
  const problem = h("div");
  const send = async (path: string, body: Record<string, unknown>, form: HTMLElement) => {
    for (const control of form.querySelectorAll("button, input, textarea"))
      control.setAttribute("disabled", "");
    try {
      answered(await api<Task>("POST", `${base}${path}`, body));
    } catch (error) {
      for (const control of form.querySelectorAll("[disabled]")) control.removeAttribute("disabled");
      replace(problem, errorBox(error));
    }
  };

  const { prompt } = task;
  if (prompt) {
    const why = h("input", { id: "answer-why", placeholder: "Optional: a word for the agent" });
    const card = h(
      "section",
      { class: "permission", "aria-label": `Permission for ${prompt.tool}` },
      h("p", null, `The agent asks to use ${prompt.tool}: ${prompt.summary ?? prompt.tool}`),
      prompt.timeout_s
        ? h("p", { class: "muted" }, `Denied if not answered within ${prompt.timeout_s} s.`)
        : null,
      h("label", { for: "answer-why" }, "Why (optional)"),
      why,
      h(
        "div",
        { class: "row wrap" },
        decide("allow", "Allow", "primary small"),
        decide("deny", "Deny", "small"),
      ),
      problem,
    );
    function decide(decision: "allow" | "deny", label: string, style: string): HTMLElement {
      const button = h("button", { type: "button", class: style }, label);
      button.addEventListener("click", () => {
        const message = why.value.trim();
        void send(
          "/input",
          { prompt_id: prompt!.prompt_id, decision, ...(message ? { message } : {}) },
          card,
        );
      });
      return button;
    }
    return card;
  }

  const text = h("textarea", { id: "answer-reply", rows: 3 });
  const form = h(
    "form",
    { class: "task-reply", "aria-label": "Reply to the agent" },
    h(
      "p",
      null,
      "The agent's turn ended with a question (above). Your reply runs its next turn, in the same session.",
    ),
    h("label", { for: "answer-reply" }, "Your reply"),
    text,
    h("button", { type: "submit", class: "primary small" }, "Send reply"),
    problem,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = text.value.trim();
    if (message) void send("/messages", { message }, form);
  });
  return form;
}
