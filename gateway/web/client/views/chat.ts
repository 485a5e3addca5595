/**
 * Chat with one agent: streaming replies (fetch + SSE), Stop (cancels on the server), new chat, earlier sessions,
 * and a raw-events drawer that shows every SSE event as it arrived.
 */
import { ApiFailure, api, stream } from "../api.ts";
import { h, replace } from "../dom.ts";
import { saveTurns, sessionsOf, type Turn, transcript } from "../history.ts";
import type { ViewContext } from "../main.ts";
import { markdown } from "../markdown.ts";
import { Reply } from "../reply.ts";
import { me } from "../session.ts";
import type { Agent, Attachment } from "../types.ts";
import { copyButton, errorBox, onlineDot, poll } from "../ui.ts";

const MAX_RAW_EVENTS = 500;

export async function renderChat({ root, params, alive }: ViewContext): Promise<void> {
  const ref = params[0]!;
  let agent: Agent;
  try {
    agent = await api<Agent>("GET", `/v1/agents/${encodeURIComponent(ref)}`);
  } catch (error) {
    replace(
      root,
      h("h1", null, ref),
      errorBox(error),
      h("p", null, h("a", { href: "#/agents" }, "Back to the directory")),
    );
    return;
  }
  const user = me!.user;
  let sessionId: string | null = null;
  let turns: Turn[] = [];
  let running: { requestId: string | null; controller: AbortController; stopping: boolean } | null = null;

  const presence = h("span", null, onlineDot(agent));
  const log = h("div", { class: "log", role: "log", "aria-label": "Transcript" });
  const live = h("p", { class: "sr-only", "aria-live": "polite" });
  const message = h("textarea", {
    id: "message",
    rows: 2,
    placeholder: `Message ${agent.name}…  (Enter sends, Shift+Enter new line, Esc stops)`,
  });
  const send = h("button", { type: "submit", class: "primary" }, "Send");
  const stop = h("button", { type: "button", class: "danger", disabled: true }, "Stop");
  const sessions = h("select", { id: "session" });
  const raw = h("ol", { class: "raw", "aria-label": "Raw events" });
  const drawer = h(
    "details",
    { class: "drawer" },
    h("summary", null, "Raw events"),
    raw,
    copyButton(() => raw.innerText, "Copy events"),
  );

  const fillSessions = () => {
    const saved = sessionsOf(user, agent.id);
    replace(
      sessions,
      h("option", { value: "" }, "New chat"),
      saved.map((s) => h("option", { value: s.id }, `${s.title} · ${new Date(s.at).toLocaleString()}`)),
    );
    sessions.value = sessionId ?? "";
  };
  const showTurns = () => {
    replace(log);
    for (const turn of turns) {
      log.appendChild(
        turn.role === "user"
          ? userBubble(turn.text)
          : h(
              "article",
              { class: "msg agent" },
              h("div", { class: "who" }, agent.name),
              markdown(turn.text),
              h(
                "div",
                { class: "msg-tools" },
                copyButton(() => turn.text, "Copy reply"),
              ),
            ),
      );
    }
    if (!turns.length) log.appendChild(h("p", { class: "empty muted" }, `Say hello to ${agent.name}.`));
  };
  const newChat = () => {
    if (running) return;
    sessionId = null;
    turns = [];
    fillSessions();
    showTurns();
    replace(raw);
    message.focus();
  };
  sessions.addEventListener("change", () => {
    if (running) return;
    sessionId = sessions.value || null;
    turns = sessionId ? transcript(sessionId) : [];
    showTurns();
  });

  const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const follow = (wasNear: boolean) => {
    if (wasNear) log.scrollTop = log.scrollHeight;
  };
  const logRaw = (line: string) => {
    raw.appendChild(h("li", null, h("code", null, line)));
    while (raw.childElementCount > MAX_RAW_EVENTS) raw.firstElementChild!.remove();
  };
  const setRunning = (on: boolean) => {
    send.disabled = on;
    stop.disabled = !on;
    sessions.disabled = on;
  };

  async function submit(): Promise<void> {
    const text = message.value.trim();
    if (!text || running) return;
    message.value = "";
    log.querySelector(".empty")?.remove();
    log.appendChild(userBubble(text));
    turns.push({ role: "user", text });
    const reply = new Reply(agent.name);
    log.appendChild(reply.el);
    follow(true);
    const controller = new AbortController();
    running = { requestId: null, controller, stopping: false };
    setRunning(true);
    live.textContent = `${agent.name} is replying…`;
    let finished = false;
    try {
      await stream(`/v1/agents/${encodeURIComponent(agent.name)}/messages`, {
        method: "POST",
        body: sessionId ? { message: text, session_id: sessionId } : { message: text },
        signal: controller.signal,
        onOpen: (res) => {
          running!.requestId = res.headers.get("x-agent-mesh-request-id");
          sessionId = res.headers.get("x-agent-mesh-session-id") ?? sessionId;
          logRaw(`open request=${running!.requestId} session=${sessionId}`);
        },
        onEvent: (event) => {
          if (!alive()) return controller.abort();
          logRaw(`${event.event ?? "message"}${event.id ? ` #${event.id}` : ""} ${event.data}`);
          const wasNear = nearBottom();
          const data = JSON.parse(event.data);
          if (event.event === "chunk") reply.chunk(data.kind, data.delta);
          else if (event.event === "permission" && data.prompt) {
            const requestId = running?.requestId;
            reply.permission(data.prompt, async (decision) => {
              if (!requestId)
                throw new ApiFailure(0, "request_unknown", "This reply has no request id to answer.");
              const path = `/v1/agents/${encodeURIComponent(agent.name)}/messages/${encodeURIComponent(requestId)}/input`;
              await api("POST", path, { prompt_id: data.prompt.prompt_id, decision });
            });
          } else if (event.event === "permission_withdrawn" && data.withdrawal) {
            reply.withdrawn(data.withdrawal);
          } else if (event.event === "gap") {
            reply.gap(data.message);
          } else if (event.event === "done") {
            finished = true;
            sessionId = data.session_id ?? sessionId;
            reply.done(data.result ?? "", (data.attachments ?? []) as Attachment[]);
          } else if (event.event === "error") {
            finished = true;
            if (data.code === "canceled" && running?.stopping) reply.stopped();
            else reply.fail(new ApiFailure(0, data.code, data.message));
          }
          follow(wasNear);
        },
      });
      if (!finished)
        reply.fail(new ApiFailure(0, "stream_ended", "The stream ended without an answer. Retry."));
    } catch (error) {
      if (running?.stopping && controller.signal.aborted) reply.stopped();
      else if (!finished) reply.fail(error);
      if (!finished) logRaw(`failed ${error instanceof ApiFailure ? error.code : String(error)}`);
    }
    if (reply.text) turns.push({ role: "agent", text: reply.text });
    if (sessionId) saveTurns(user, agent.id, sessionId, turns);
    fillSessions();
    running = null;
    setRunning(false);
    live.textContent = `${agent.name} finished.`;
    if (alive()) message.focus();
  }

  async function stopNow(): Promise<void> {
    const current = running;
    if (!current || current.stopping) return;
    current.stopping = true;
    live.textContent = "Stopping…";
    try {
      if (!current.requestId) throw new Error("not started");
      // Cancels on the server at once; the open stream then ends with `error canceled`.
      await api(
        "DELETE",
        `/v1/agents/${encodeURIComponent(agent.name)}/messages/${encodeURIComponent(current.requestId)}`,
      );
    } catch {
      current.controller.abort();
    }
  }

  const form = h(
    "form",
    { class: "composer" },
    h("label", { for: "message" }, "Message"),
    message,
    h("div", { class: "buttons" }, send, stop),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    }
  });
  const onEsc = (event: KeyboardEvent) => {
    if (!alive()) return document.removeEventListener("keydown", onEsc);
    if (event.key === "Escape" && running) {
      event.preventDefault();
      void stopNow();
    }
  };
  document.addEventListener("keydown", onEsc);
  stop.addEventListener("click", () => void stopNow());

  replace(
    root,
    h(
      "div",
      { class: "chat" },
      h(
        "div",
        { class: "chat-head" },
        h(
          "div",
          null,
          h("h1", { tabindex: "-1" }, agent.name, " ", presence),
          h("p", { class: "muted desc" }, agent.description),
        ),
        h(
          "div",
          { class: "actions" },
          h("div", { class: "field inline" }, h("label", { for: "session" }, "Conversation"), sessions),
          h("button", { type: "button", class: "ghost", onclick: newChat }, "New chat"),
        ),
      ),
      log,
      live,
      form,
      drawer,
    ),
  );
  fillSessions();
  showTurns();
  message.focus();
  poll(
    async () => {
      const now = await api<Agent>("GET", `/v1/agents/${encodeURIComponent(agent.id)}`);
      replace(presence, onlineDot(now));
    },
    5000,
    alive,
  );
}

function userBubble(text: string): HTMLElement {
  return h(
    "article",
    { class: "msg user", "aria-label": "You" },
    h("div", { class: "who" }, "You"),
    h("div", { class: "plain" }, text),
  );
}
