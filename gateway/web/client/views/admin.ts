/** Admin (admin token): this node's figures, and users and their tokens — create (shown once), list, revoke. */
// The gateway's own answer type (a type-only import: nothing of the gateway enters the page bundle).
import type { NodeStats } from "../../../src/services.ts";
import { api } from "../api.ts";
import { field, h, replace, timeAgo } from "../dom.ts";
import type { ViewContext } from "../main.ts";
import { commandLine, errorBox, pageHeader } from "../ui.ts";

interface TokenRow {
  id: string;
  name: string;
  kind: string;
  scopes: string[];
  agent_id?: string;
  created_at: string;
  revoked_at: string | null;
}

/** Tokens per page of the table. */
const TOKENS_PAGE = 100;

const count = (n: number) => n.toLocaleString("en-US");
/** `12 KB`, `106.5 MB`, `1,036 MB`. */
const size = (bytes: number) =>
  bytes < 2 ** 20
    ? `${count(Math.ceil(bytes / 1024))} KB`
    : `${(bytes / 2 ** 20).toLocaleString("en-US", { maximumFractionDigits: bytes < 100 * 2 ** 20 ? 1 : 0 })} MB`;

/** This node's share of the fleet, beside the open-files limit that caps it (docs/capacity.md). */
async function nodeCard(): Promise<HTMLElement> {
  const node = await api<NodeStats>("GET", "/v1/node");
  const rows: [string, string][] = [["Runtime", `${node.runtime} · gateway ${node.version}`]];
  if (node.node_id) rows.push(["Cluster node", node.node_id]);
  if (node.agents_connected === null) {
    rows.push(["Agents", "each in its own Durable Object (no per-node count)"]);
  } else {
    const most = node.agents_max === null ? "" : ` of at most ${count(node.agents_max)}`;
    const room = node.open_files_limit === null ? "" : ` (open-files limit ${count(node.open_files_limit)})`;
    rows.push(["Agents connected", `${count(node.agents_connected)}${most}${room}`]);
    rows.push(["Requests in flight", count(node.requests_in_flight ?? 0)]);
  }
  if (node.rss_bytes !== null) rows.push(["Memory (RSS)", size(node.rss_bytes)]);
  if (node.store_live_bytes !== null) {
    // The fs store holds its data in memory; at its limit new tasks are refused (docs/storage.md).
    const limit =
      node.store_max_live_bytes === null ? " (no limit)" : ` of at most ${size(node.store_max_live_bytes)}`;
    rows.push(["Store data", `${size(node.store_live_bytes)}${limit}`]);
  }
  const minutes = Math.floor(node.uptime_seconds / 60);
  rows.push(["Up for", minutes < 1 ? "under a minute" : `${count(minutes)} min`]);
  return h(
    "section",
    { class: "card", "aria-labelledby": "node-title" },
    h("h2", { id: "node-title" }, "This node"),
    h(
      "dl",
      { class: "figures" },
      rows.flatMap(([term, value]) => [h("dt", null, term), h("dd", null, value)]),
    ),
  );
}

export async function renderAdmin({ root }: ViewContext): Promise<void> {
  const node = h("div");
  const table = h("tbody");
  const problem = h("div");
  const name = h("input", { id: "user-name", required: true, pattern: "[a-z0-9_\\-]+", autocomplete: "off" });
  const made = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card" },
    h("h2", null, "New user token"),
    field("User name", name, "Lowercase letters, digits, - and _; a new name creates that user"),
    h("button", { type: "submit", class: "primary" }, "Create token"),
    made,
  );
  // A page at a time: with a fleet connected through tickets there is an agent credential per agent.
  let shown: TokenRow[] = [];
  let next: string | null = null;
  const more = h("div");
  const draw = () => {
    replace(
      table,
      shown.map((t) =>
        h(
          "tr",
          null,
          h("td", null, t.name),
          h("td", null, t.kind),
          h("td", null, t.scopes.join(", ")),
          h("td", null, timeAgo(t.created_at)),
          h(
            "td",
            null,
            t.revoked_at
              ? h("span", { class: "muted" }, "revoked")
              : h(
                  "button",
                  { type: "button", class: "danger small", onclick: () => void revoke(t.id) },
                  "Revoke",
                  h("span", { class: "sr-only" }, ` token of ${t.name}`),
                ),
          ),
        ),
      ),
    );
    replace(
      more,
      next === null
        ? null
        : h(
            "button",
            { type: "button", id: "more-tokens", onclick: () => void fetchPage(next) },
            "Show more tokens",
          ),
    );
  };
  /** The page after `cursor` (null: the first `limit`), added to what is shown. */
  const fetchPage = async (cursor: string | null, limit = TOKENS_PAGE) => {
    try {
      const query = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await api<{ tokens: TokenRow[]; next_cursor: string | null }>(
        "GET",
        `/v1/tokens?limit=${limit}${query}`,
      );
      if (cursor === null) shown = [];
      shown.push(...page.tokens);
      next = page.next_cursor;
      replace(problem);
      draw();
    } catch (error) {
      replace(problem, errorBox(error));
    }
  };
  /** From the start again, as many as were shown (a revocation or a new token changed them). */
  const load = () => fetchPage(null, Math.min(1000, Math.max(TOKENS_PAGE, shown.length)));
  const revoke = async (id: string) => {
    try {
      await api("DELETE", `/v1/tokens/${encodeURIComponent(id)}`);
    } catch (error) {
      replace(problem, errorBox(error));
    }
    await load();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const res = await api<{ token: string; name: string }>("POST", "/v1/tokens", {
        name: name.value.trim(),
      });
      replace(
        made,
        h("p", null, `Token for ${res.name} (shown once):`),
        commandLine(res.token, "Copy token"),
      );
      form.reset();
      await load();
    } catch (error) {
      replace(made, errorBox(error));
    }
  });
  replace(
    root,
    pageHeader("Admin"),
    node,
    form,
    problem,
    h(
      "div",
      { class: "table-wrap card" },
      h(
        "table",
        null,
        h("caption", { class: "sr-only" }, "Tokens"),
        h(
          "thead",
          null,
          h(
            "tr",
            null,
            ["User", "Kind", "Scopes", "Created", ""].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        table,
      ),
      more,
    ),
  );
  await Promise.all([
    load(),
    nodeCard().then(
      (card) => replace(node, card),
      (error: unknown) => replace(node, errorBox(error)),
    ),
  ]);
}
