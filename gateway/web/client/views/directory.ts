/** Directory: the agents you can call, with live presence, search and a capability filter. */
import { AGENTS_SHOWN, listAgents } from "../api.ts";
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
  // A mesh that fits in one listing comes whole and is filtered as you type. Past that (a large fleet) the gateway
  // filters, so a search finds any agent, not only the first page's.
  let large = false;
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
            agents.length || large
              ? "No agent matches."
              : "No agents you can call yet. Create one under My agents.",
          ),
    );
  };
  // Every capability seen so far: with a large fleet each listing is one filtered page.
  const capabilities = new Set<string>();
  const fillCapabilities = () => {
    for (const a of agents) for (const c of a.capabilities) capabilities.add(c);
    const all = [...capabilities].sort();
    const chosen = capability.value;
    replace(
      capability,
      h("option", { value: "" }, "Any capability"),
      all.map((c) => h("option", { value: c }, c)),
    );
    capability.value = all.includes(chosen) ? chosen : "";
  };
  const fetchAgents = async () => {
    const params = new URLSearchParams();
    if (large) {
      const q = search.value.trim();
      if (q) params.set("q", q);
      if (capability.value) params.set("capability", capability.value);
      if (onlineOnly.checked) params.set("online", "true");
    }
    try {
      const page = await listAgents(params.toString());
      agents = page.agents;
      if (params.size === 0) large = page.more;
      replace(
        problem,
        page.searchedTo !== null
          ? h(
              "p",
              { class: "muted", id: "more-agents" },
              `Searched the agents by name as far as ${page.searchedTo}: narrow the search to find others.`,
            )
          : page.more
            ? h(
                "p",
                { class: "muted", id: "more-agents" },
                `Showing the first ${AGENTS_SHOWN.toLocaleString("en-US")} agents by name: search or filter to find the others.`,
              )
            : null,
      );
    } catch (error) {
      replace(problem, errorBox(error));
      throw error;
    }
    fillCapabilities();
    draw();
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  for (const el of [search, capability, onlineOnly]) {
    el.addEventListener("input", () => {
      draw();
      if (!large) return;
      clearTimeout(typing);
      typing = setTimeout(() => void fetchAgents().catch(() => {}), 300);
    });
  }
  poll(fetchAgents, 3000, alive);
}

function agentCard(a: Agent): HTMLElement {
  return h(
    "li",
    { class: "card agent", "data-agent": a.name },
    h("div", { class: "row" }, h("h2", null, a.name), onlineDot(a)),
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
