/**
 * The standard doors of one agent, when this gateway has them: its A2A card URL, the MCP URL, and share links
 * (create, copy once, list, revoke).
 */
import { api } from "../api.ts";
import { field, h, replace } from "../dom.ts";
import type { Features } from "../features.ts";
import type { Agent } from "../types.ts";
import { commandLine, errorBox } from "../ui.ts";

interface Share {
  id: string;
  label?: string;
  created_at?: string;
  expires_at?: string | null;
  status?: string;
  rate_limit?: number;
  sessions?: boolean;
}

export function doorsPanel(agent: Agent, found: Features): HTMLElement | null {
  if (!found.a2a && !found.mcp && !found.shares) return null;
  const origin = location.origin;
  const panel = h("section", { class: "doors", "aria-label": `Doors of ${agent.name}` });
  if (found.a2a)
    panel.append(
      h("h3", null, "A2A agent card"),
      commandLine(`${origin}/a2a/${agent.name}/.well-known/agent-card.json`, "Copy URL"),
    );
  if (found.mcp) panel.append(h("h3", null, "MCP server"), commandLine(`${origin}/mcp`, "Copy URL"));
  if (found.shares) panel.append(sharesList(agent));
  return panel;
}

/**
 * An agent's share links: made here with a label and whether they also reach a person's session of the agent,
 * listed with what each is and until when, revoked here. A link's URL holds its secret, which the gateway shows
 * only in the answer that made it: the page shows it once, at the top, until the next link is made.
 */
function sharesList(agent: Agent): HTMLElement {
  const list = h("ul", { class: "shares", "aria-label": `Share links of ${agent.name}` });
  const problem = h("div");
  const made = h("div", { class: "share-made", "aria-live": "polite" });
  const base = `/v1/agents/${encodeURIComponent(agent.id)}/shares`;
  const shareRow = (s: Share) => {
    const facts = [
      s.status ?? "active",
      s.expires_at ? `until ${new Date(s.expires_at).toLocaleString()}` : null,
      s.rate_limit ? `${s.rate_limit}/min` : null,
      s.sessions ? "also reaches sessions" : null,
    ].filter(Boolean);
    const name = s.label || s.id;
    return h(
      "li",
      { "data-share": s.id, "data-status": s.status ?? "active" },
      h("span", { class: "share-label" }, name),
      h("span", { class: "muted" }, facts.join(" · ")),
      s.status === "active"
        ? h(
            "button",
            { type: "button", class: "ghost small", onclick: () => void revoke(s.id) },
            "Revoke",
            h("span", { class: "sr-only" }, ` share ${name}`),
          )
        : null,
    );
  };
  const load = async () => {
    try {
      const { shares = [] } = await api<{ shares?: Share[] }>("GET", base);
      replace(list, shares.length ? shares.map(shareRow) : h("li", { class: "muted" }, "No share links."));
      replace(problem);
    } catch (error) {
      replace(problem, errorBox(error));
    }
  };
  const revoke = async (id: string) => {
    try {
      await api("DELETE", `/v1/shares/${encodeURIComponent(id)}`);
    } catch (error) {
      replace(problem, errorBox(error));
    }
    await load();
  };
  const label = h("input", { type: "text", maxlength: "200", placeholder: "what it is for" });
  const sessions = h("input", { type: "checkbox" });
  const create = h("button", { type: "submit", class: "small" }, "New share link");
  const form = h(
    "form",
    { class: "share-new", "aria-label": `New share link for ${agent.name}` },
    field("Label", label),
    h("label", { class: "check" }, sessions, " Also when a person's session serves it (asked in its inbox)"),
    create,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    create.disabled = true;
    try {
      const body = { label: label.value.trim() || undefined, sessions: sessions.checked || undefined };
      const share = await api<Share & { url: string }>("POST", base, body);
      label.value = "";
      sessions.checked = false;
      replace(
        made,
        h(
          "p",
          null,
          `New link${share.label ? ` “${share.label}”` : ""}: copy it now, it is shown only once.`,
        ),
        commandLine(share.url, "Copy link"),
      );
      replace(problem);
    } catch (error) {
      replace(problem, errorBox(error));
    } finally {
      create.disabled = false;
    }
    await load();
  });
  // Opened on demand, as the inbox is: My agents with a fleet of 1,000 would otherwise ask for 1,000 listings.
  const panel = h(
    "details",
    { class: "shares-panel" },
    h("summary", null, "Share links"),
    made,
    list,
    form,
    problem,
  );
  panel.addEventListener("toggle", () => {
    if (panel.open) void load();
  });
  return panel;
}
