/** Directory: the agents you can call, with live presence, search and a capability filter. */
import { listAgents } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { ViewContext } from "../main.ts";
import type { Agent } from "../types.ts";
import { errorBox, onlineDot, pageHeader, poll } from "../ui.ts";

export async function renderDirectory({ root, alive }: ViewContext): Promise<void> {
  const search = h("input", {
    id: "search",
    type: "search",
    placeholder: "Search name or description",
    autocomplete: "off",
  });
  const capability = h("select", { id: "capability" }, h("option", { value: "" }, "Any capability"));
  const onlineOnly = h("input", { id: "online-only", type: "checkbox" });
  const list = h("ul", { class: "grid", "aria-label": "Agents" });
  const problem = h("div");
  replace(
    root,
    pageHeader("Directory"),
    h(
      "div",
      { class: "filters" },
      h("div", { class: "field grow" }, h("label", { for: "search" }, "Search"), search),
      h("div", { class: "field" }, h("label", { for: "capability" }, "Capability"), capability),
      h("label", { class: "check" }, onlineOnly, " Online only"),
    ),
    problem,
    list,
  );
  let agents: Agent[] = [];
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const cap = capability.value;
    const shown = agents.filter(
      (a) =>
        (!q || `${a.name}\n${a.description}\n${a.owner}`.toLowerCase().includes(q)) &&
        (!cap || a.capabilities.includes(cap)) &&
        (!onlineOnly.checked || a.online),
    );
    replace(
      list,
      shown.length
        ? shown.map((a) => agentCard(a))
        : h(
            "li",
            { class: "empty" },
            agents.length ? "No agent matches." : "No agents you can call yet. Create one under My agents.",
          ),
    );
  };
  const fillCapabilities = () => {
    const all = [...new Set(agents.flatMap((a) => a.capabilities))].sort();
    const chosen = capability.value;
    replace(
      capability,
      h("option", { value: "" }, "Any capability"),
      all.map((c) => h("option", { value: c }, c)),
    );
    capability.value = all.includes(chosen) ? chosen : "";
  };
  for (const el of [search, capability, onlineOnly]) el.addEventListener("input", draw);
  poll(
    async () => {
      try {
        agents = await listAgents();
        replace(problem);
      } catch (error) {
        replace(problem, errorBox(error));
        throw error;
      }
      fillCapabilities();
      draw();
    },
    3000,
    alive,
  );
}

function agentCard(a: Agent): HTMLElement {
  return h(
    "li",
    { class: "card agent", "data-agent": a.name },
    h("div", { class: "row" }, h("h2", null, a.name), onlineDot(a.online)),
    h("p", { class: "desc" }, a.description || h("span", { class: "muted" }, "No description.")),
    a.capabilities.length
      ? h(
          "ul",
          { class: "chips", "aria-label": "Capabilities" },
          a.capabilities.map((c) => h("li", null, c)),
        )
      : null,
    h(
      "div",
      { class: "row meta" },
      h(
        "span",
        { class: "muted" },
        `by ${a.owner} · ${a.type}${a.visibility === "private" ? " · private" : ""}`,
      ),
      h(
        "a",
        { class: "button primary small", href: `#/chat/${encodeURIComponent(a.name)}` },
        "Chat",
        h("span", { class: "sr-only" }, ` with ${a.name}`),
      ),
    ),
  );
}
