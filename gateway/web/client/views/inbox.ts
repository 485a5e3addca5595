/**
 * One agent's durable inbox on its owner's card: the messages nobody acknowledged yet, an ask answered with a reply
 * (the asker's waiting call returns it), a message marked done (acknowledged: gone for good). It looks without
 * taking (`peek`): the agent's own session still gets every message, and none counts as delivered. Read when
 * opened or refreshed; a reply being written survives the redraw.
 */
import type { InboxMessageView as InboxMessage } from "../../../src/domain/inbox.ts";
import { senderName } from "../../../src/domain/sender-name.ts";
import { api } from "../api.ts";
import { h, replace, timeAgo } from "../dom.ts";
import type { Agent } from "../types.ts";
import { errorBox } from "../ui.ts";

export function inboxPanel(agent: Agent): HTMLElement {
  const base = `/v1/agents/${encodeURIComponent(agent.id)}/inbox`;
  const list = h("ul", { class: "inbox", "aria-label": `Inbox of ${agent.name}` });
  const problem = h("div");
  const summary = h("summary", null, "Inbox");
  /** Replies being written, by ask: a load redraws the list, and must not wipe what a person is typing. */
  const drafts = new Map<string, string>();
  const load = async () => {
    try {
      const page = await api<{ messages: InboxMessage[]; unread: number }>(
        "GET",
        `${base}?limit=50&peek=true`,
      );
      summary.textContent = `Inbox (${page.unread} unread)`;
      const focused = list.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
      const typingIn = focused?.closest("li")?.getAttribute("data-message");
      replace(list, page.messages.length ? page.messages.map(item) : h("li", { class: "muted" }, "Empty."));
      // The reply box that had the focus keeps it (with the caret at the end of the draft).
      if (focused instanceof HTMLTextAreaElement && typingIn) {
        const box = list.querySelector<HTMLTextAreaElement>(
          `li[data-message="${CSS.escape(typingIn)}"] textarea`,
        );
        box?.focus();
        box?.setSelectionRange(box.value.length, box.value.length);
      }
      replace(problem);
    } catch (error) {
      replace(problem, errorBox(error));
    }
  };
  const act = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      replace(problem, errorBox(error));
      return;
    }
    await load();
  };

  function item(message: InboxMessage): HTMLElement {
    const sender = senderName(message.from);
    const done = h("button", { type: "button", class: "ghost small" }, "Done");
    done.addEventListener("click", () => void act(() => api("POST", `${base}/ack`, { ids: [message.id] })));
    const li = h(
      "li",
      { "data-message": message.id, "data-kind": message.kind },
      h(
        "p",
        { class: "muted" },
        // A task's ask: the reply is the task's result.
        `${message.task_id ? `task ${message.task_id}` : message.kind} from ${sender} · ${timeAgo(message.created_at)}`,
      ),
      h("p", { class: "inbox-text" }, message.text),
    );
    if (message.kind !== "ask") {
      li.append(done);
      return li;
    }
    const answer = h("textarea", { rows: 2, "aria-label": `Reply to ${sender}` });
    answer.value = drafts.get(message.id) ?? "";
    answer.addEventListener("input", () => drafts.set(message.id, answer.value));
    const reply = h(
      "form",
      { class: "row wrap" },
      answer,
      h("button", { type: "submit", class: "small" }, "Reply"),
    );
    reply.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = answer.value.trim();
      if (!text) return;
      // The gateway acknowledges an answered ask with its reply: it leaves the list on the next load.
      void act(async () => {
        await api("POST", `${base}/${encodeURIComponent(message.id)}/reply`, { message: text });
        drafts.delete(message.id);
      });
    });
    // A task's ask ends only with a reply (acknowledged, it would be offered again): no Done for it.
    if (message.task_id) li.append(reply);
    else li.append(reply, done);
    return li;
  }

  const refresh = h("button", { type: "button", class: "small" }, "Refresh");
  refresh.addEventListener("click", () => void load());
  const panel = h("details", { class: "inbox-panel" }, summary, list, refresh, problem);
  panel.addEventListener("toggle", () => {
    if (panel.open) void load();
  });
  return panel;
}
