/** Small shared pieces: error boxes with their code, copy buttons, online dots, page titles, polling. */
import { ApiFailure } from "./api.ts";
import { h } from "./dom.ts";
import type { Agent } from "./types.ts";

export function errorBox(error: unknown): HTMLElement {
  const code = error instanceof ApiFailure ? error.code : "client_error";
  const message = error instanceof Error ? error.message : String(error);
  return h("div", { class: "error", role: "alert" }, h("code", { class: "code" }, code), " ", message);
}

export function copyButton(getText: () => string, label = "Copy"): HTMLButtonElement {
  const button = h("button", { type: "button", class: "copy small" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(getText());
      button.textContent = "Copied";
    } catch {
      // Clipboard refused (no permission): select the text nearby instead.
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => {
      button.textContent = label;
    }, 1500);
  });
  return button;
}

/**
 * A command line with its copy button. A long line scrolls sideways, so it takes the keyboard's focus: someone
 * without a mouse can scroll it with the arrow keys.
 */
export function commandLine(command: string, label?: string): HTMLElement {
  return h(
    "div",
    { class: "command" },
    h("code", { class: "cmd", tabindex: "0" }, command),
    copyButton(() => command, label ?? "Copy"),
  );
}

/**
 * Online or not, and how: an agent online as a person's session (`agent-mesh claude --as` and the like, no
 * connector) reads `online (session)`, as the CLI's `yes (session)`: its answers come from a person, through its
 * inbox.
 */
export function onlineDot(agent: Pick<Agent, "online" | "mode">): HTMLElement {
  const { online } = agent;
  const session = online && agent.mode === "interactive";
  return h(
    "span",
    {
      class: `presence ${online ? "on" : "off"}`,
      "data-online": String(online),
      title: session ? "A person's interactive session: messages are asked in its inbox" : null,
    },
    h("span", { class: "dot", "aria-hidden": "true" }),
    session ? "online (session)" : online ? "online" : "offline",
  );
}

export function pageHeader(title: string, ...actions: (Node | null)[]): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: "-1" }, title),
    h("div", { class: "actions" }, actions),
  );
}

/**
 * Runs `tick` now and every `ms` while the view is mounted and the tab visible; stops when `alive()` says so.
 * Polling keeps presence and task status live without a second channel the gateway does not have.
 */
export function poll(tick: () => Promise<void>, ms: number, alive: () => boolean): void {
  const run = async () => {
    if (!alive()) return;
    if (document.visibilityState === "visible") {
      try {
        await tick();
      } catch {
        // Shown by the view on its next successful tick; a transient failure must not stop polling.
      }
    }
    if (alive()) setTimeout(run, ms);
  };
  void run();
}

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge st-${status}` }, status);
}
