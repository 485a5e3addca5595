/**
 * Connecting an agent: mint a one-time ticket, show the exact command to paste on the agent's machine, and watch
 * the agent come online (polling) without a reload.
 */
import { api } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { Agent } from "../types.ts";
import { commandLine, errorBox, onlineDot, poll } from "../ui.ts";

interface Ticket {
  url: string;
  expires_at: string;
  command?: string;
}

export function connectPanel(agent: Agent, alive: () => boolean, connected: () => void): HTMLElement {
  const panel = h("section", { class: "connect", "aria-label": `Connect ${agent.name}` });
  const start = h(
    "button",
    { type: "button", class: "primary small" },
    agent.online ? "Connect another machine" : "Connect…",
  );
  panel.appendChild(start);
  start.addEventListener("click", async () => {
    start.disabled = true;
    try {
      const ticket = await api<Ticket>("POST", `/v1/agents/${encodeURIComponent(agent.id)}/tickets`);
      const command = ticket.command ?? `npx agent-mesh connect --setup ${ticket.url}`;
      const state = h("p", { class: "connect-state", "aria-live": "polite" }, "Waiting for the connector…");
      replace(
        panel,
        h(
          "p",
          null,
          "Run this once on the agent's machine (the ticket works once, until ",
          new Date(ticket.expires_at).toLocaleTimeString(),
          "):",
        ),
        commandLine(command, "Copy command"),
        state,
      );
      let done = false;
      poll(
        async () => {
          const now = await api<Agent>("GET", `/v1/agents/${encodeURIComponent(agent.id)}`);
          if (now.online && !done) {
            done = true;
            replace(state, onlineDot(true), ` ${agent.name} is connected.`);
            state.classList.add("ok");
            connected();
          }
        },
        1000,
        () => alive() && !done && panel.isConnected,
      );
    } catch (error) {
      panel.appendChild(errorBox(error));
      start.disabled = false;
    }
  });
  return panel;
}
