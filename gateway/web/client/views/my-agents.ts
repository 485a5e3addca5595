/** My agents: create, edit, publish/unpublish, delete, connect, and the agent's doors and share links. */
import { AGENTS_SHOWN, api, listAgents } from "../api.ts";
import { field, h, replace, timeAgo } from "../dom.ts";
import { type Features, features } from "../features.ts";
import type { ViewContext } from "../main.ts";
import { me } from "../session.ts";
import type { Agent } from "../types.ts";
import { errorBox, onlineDot, pageHeader, poll } from "../ui.ts";
import { connectPanel } from "./connect.ts";
import { inboxPanel } from "./inbox.ts";
import { doorsPanel } from "./shares.ts";

const TYPES = ["claude", "codex", "gemini", "exec", "echo"];

const capabilitiesOf = (text: string) =>
  text
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);

export async function renderMyAgents({ root, alive }: ViewContext): Promise<void> {
  const found = await features();
  const list = h("div", { class: "mine" });
  const problem = h("div");
  replace(
    root,
    pageHeader("My agents"),
    createForm(() => void refresh()),
    problem,
    list,
  );
  const cards = new Map<string, { card: HTMLElement; presence: HTMLElement }>();

  async function refresh(): Promise<void> {
    try {
      const { agents: listed, more } = await listAgents("mine=true");
      const agents = listed.filter((a) => a.owner === me!.user);
      replace(
        problem,
        more
          ? h(
              "p",
              { class: "muted", id: "more-agents" },
              `Showing your first ${AGENTS_SHOWN.toLocaleString("en-US")} agents by name; \`agent-mesh agents list\` lists them all.`,
            )
          : null,
      );
      const ids = new Set(agents.map((a) => a.id));
      for (const [id, entry] of cards) {
        if (ids.has(id)) continue;
        entry.card.remove();
        cards.delete(id);
      }
      for (const agent of agents) {
        const known = cards.get(agent.id);
        if (known) replace(known.presence, onlineDot(agent));
        else {
          const entry = agentCard(agent, found, alive, () => void refresh());
          cards.set(agent.id, entry);
          list.appendChild(entry.card);
        }
      }
      if (!agents.length)
        replace(list, h("p", { class: "empty muted" }, "You have no agents yet: create one above."));
      else list.querySelector(".empty")?.remove();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  }
  poll(refresh, 3000, alive);
}

function createForm(created: () => void): HTMLElement {
  const name = h("input", {
    id: "new-name",
    required: true,
    pattern: "[A-Za-z0-9_\\-]{1,64}",
    autocomplete: "off",
  });
  const description = h("input", { id: "new-description" });
  const type = h(
    "select",
    { id: "new-type" },
    TYPES.map((t) => h("option", { value: t }, t)),
  );
  const capabilities = h("input", { id: "new-capabilities", placeholder: "code, review" });
  const visibility = h(
    "select",
    { id: "new-visibility" },
    h("option", { value: "private" }, "private"),
    h("option", { value: "public" }, "public"),
  );
  const result = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card create" },
    h("h2", null, "Create an agent"),
    h(
      "div",
      { class: "row wrap" },
      field("Name", name, "Letters, digits, - and _"),
      field("Type", type),
      field("Visibility", visibility),
    ),
    h(
      "div",
      { class: "row wrap" },
      field("Description", description),
      field("Capabilities", capabilities, "Comma-separated"),
    ),
    h("button", { type: "submit", class: "primary" }, "Create agent"),
    result,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const agent = await api<Agent>("POST", "/v1/agents", {
        name: name.value.trim(),
        description: description.value,
        type: type.value,
        visibility: visibility.value,
        capabilities: capabilitiesOf(capabilities.value),
      });
      replace(result, h("p", { class: "ok" }, `Created ${agent.name}.`));
      form.reset();
      created();
    } catch (error) {
      replace(result, errorBox(error));
    }
  });
  return form;
}

function agentCard(agent: Agent, found: Features, alive: () => boolean, changed: () => void) {
  const presence = h("span", null, onlineDot(agent));
  const problem = h("div");
  const card = h("article", {
    class: "card agent-admin",
    "data-agent": agent.name,
    "aria-label": agent.name,
  });
  const draw = (a: Agent) => {
    const description = h("input", { id: `desc-${a.id}`, value: a.description });
    const capabilities = h("input", { id: `caps-${a.id}`, value: a.capabilities.join(", ") });
    const edit = h(
      "form",
      { class: "edit" },
      h("div", { class: "row wrap" }, field("Description", description), field("Capabilities", capabilities)),
      h("button", { type: "submit", class: "small" }, "Save"),
    );
    edit.addEventListener("submit", async (event) => {
      event.preventDefault();
      await update({ description: description.value, capabilities: capabilitiesOf(capabilities.value) });
    });
    const publish = h(
      "button",
      {
        type: "button",
        class: "small",
        onclick: () => void update({ visibility: a.visibility === "public" ? "private" : "public" }),
      },
      a.visibility === "public" ? "Unpublish" : "Publish",
    );
    const del = h("button", { type: "button", class: "danger small" }, "Delete");
    del.addEventListener("click", async () => {
      if (del.dataset.confirm !== "yes") {
        del.dataset.confirm = "yes";
        del.textContent = `Really delete ${a.name}?`;
        return;
      }
      try {
        await api("DELETE", `/v1/agents/${encodeURIComponent(a.id)}`);
        changed();
      } catch (error) {
        replace(problem, errorBox(error));
      }
    });
    replace(
      card,
      h("div", { class: "row" }, h("h2", null, a.name), presence),
      h("p", { class: "muted" }, `${a.type} · ${a.visibility} · last seen ${timeAgo(a.last_seen)}`),
      edit,
      h(
        "div",
        { class: "row wrap" },
        publish,
        h("a", { class: "button small", href: `#/chat/${encodeURIComponent(a.name)}` }, "Chat"),
        del,
      ),
      connectPanel(a, alive, changed),
      doorsPanel(a, found),
      inboxPanel(a),
      problem,
    );
  };
  async function update(patch: Partial<Agent>): Promise<void> {
    try {
      draw(await api<Agent>("PATCH", `/v1/agents/${encodeURIComponent(agent.id)}`, patch));
      replace(problem, h("p", { class: "ok" }, "Saved."));
    } catch (error) {
      replace(problem, errorBox(error));
    }
  }
  draw(agent);
  return { card, presence };
}
