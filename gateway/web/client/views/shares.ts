/**
 * The standard doors of one agent, when this gateway has them: its A2A card URL, the MCP URL, and share links
 * (create, copy, revoke). Shapes beyond `id` and a URL are read loosely: the page shows what the gateway sends.
 */
import { api } from "../api.ts";
import { h, replace } from "../dom.ts";
import type { Features } from "../features.ts";
import type { Agent } from "../types.ts";
import { commandLine, errorBox } from "../ui.ts";

interface Share {
  id: string;
  url?: string;
  link?: string;
  label?: string;
  name?: string;
  created_at?: string;
  expires_at?: string | null;
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

function sharesList(agent: Agent): HTMLElement {
  const list = h("ul", { class: "shares" });
  const problem = h("div");
  const base = `/v1/agents/${encodeURIComponent(agent.id)}/shares`;
  const load = async () => {
    try {
      const res = await api<{ shares?: Share[] } | Share[]>("GET", base);
      const shares = Array.isArray(res) ? res : (res.shares ?? []);
      replace(
        list,
        shares.length
          ? shares.map((s) =>
              h(
                "li",
                null,
                commandLine(s.url ?? s.link ?? s.id, "Copy link"),
                h(
                  "button",
                  { type: "button", class: "ghost small", onclick: () => void revoke(s.id) },
                  "Revoke",
                  h("span", { class: "sr-only" }, ` share ${s.label ?? s.name ?? s.id}`),
                ),
              ),
            )
          : h("li", { class: "muted" }, "No share links."),
      );
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
  const create = h("button", { type: "button", class: "small" }, "New share link");
  create.addEventListener("click", async () => {
    try {
      await api("POST", base, {});
    } catch (error) {
      replace(problem, errorBox(error));
    }
    await load();
  });
  void load();
  return h("div", null, h("h3", null, "Share links"), list, create, problem);
}
