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
  agent: { type?: string };
  command?: string;
  /** What the owner appends to the line: an exec agent's program. */
  command_needs?: string;
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
      const exec = ticket.agent.type === "exec" ? "exec " : "";
      const command = ticket.command ?? `npx agent-mesh connect ${exec}--setup ${ticket.url}`;
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
        ticket.command_needs
          ? h(
              "p",
              { class: "hint" },
              `${agent.name} is an exec agent: append the program it runs, `,
              h("code", null, ticket.command_needs),
              " (for example ",
              h("code", null, "-- tr a-z A-Z"),
              ").",
            )
          : null,
        state,
      );
      let done = false;
      poll(
        async () => {
          const now = await api<Agent>("GET", `/v1/agents/${encodeURIComponent(agent.id)}`);
          if (now.online && !done) {
            done = true;
            replace(state, onlineDot({ online: true }), ` ${agent.name} is connected.`);
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
