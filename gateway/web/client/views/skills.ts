/** Skills: search the registry, open a skill (versions, dist-tags, README, files) and copy its install commands. */
import { api } from "../api.ts";
import { h, replace, timeAgo } from "../dom.ts";
import type { ViewContext } from "../main.ts";
import { markdown } from "../markdown.ts";
import { commandLine, errorBox, pageHeader } from "../ui.ts";

interface Summary {
  name: string;
  author: string;
  slug: string;
  description: string;
  version: string;
  deprecated?: string;
  published_at: string;
  downloads: number;
}

interface VersionDoc {
  version: string;
  published_at: string;
  deprecated?: string;
  size: number;
  file_count: number;
  integrity: string;
  files?: { path: string; size: number }[];
}

interface PackageDoc {
  name: string;
  description: string;
  "dist-tags": Record<string, string>;
  versions: Record<string, VersionDoc>;
  downloads: number;
}

export async function renderSkills({ root }: ViewContext): Promise<void> {
  const q = h("input", {
    id: "skill-search",
    type: "search",
    placeholder: "Search skills",
    autocomplete: "off",
  });
  const list = h("ul", { class: "grid", "aria-label": "Skills" });
  const problem = h("div");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const search = async () => {
    try {
      const res = await api<{ results: Summary[] }>(
        "GET",
        `/v1/skills/-/search?${new URLSearchParams({ q: q.value.trim(), limit: "50" })}`,
      );
      replace(problem);
      replace(
        list,
        res.results.length
          ? res.results.map((s) =>
              h(
                "li",
                { class: "card skill" },
                h("h2", null, h("a", { href: `#/skills/${s.author}/${s.slug}` }, s.name)),
                h("p", { class: "desc" }, s.description),
                h(
                  "p",
                  { class: "muted" },
                  `v${s.version} · ${s.downloads} downloads · ${timeAgo(s.published_at)}`,
                  s.deprecated ? " · deprecated" : "",
                ),
              ),
            )
          : h("li", { class: "empty muted" }, "No skills found."),
      );
    } catch (error) {
      replace(problem, errorBox(error));
    }
  };
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  replace(
    root,
    pageHeader("Skills"),
    h(
      "div",
      { class: "filters" },
      h("div", { class: "field grow" }, h("label", { for: "skill-search" }, "Search"), q),
    ),
    problem,
    list,
  );
  await search();
}

export async function renderSkill({ root, params }: ViewContext): Promise<void> {
  const [author, slug] = params as [string, string];
  const back = h("p", null, h("a", { href: "#/skills" }, "← All skills"));
  let pkg: PackageDoc;
  let latest: VersionDoc;
  try {
    pkg = await api<PackageDoc>("GET", `/v1/skills/${author}/${slug}`);
    latest = await api<VersionDoc>("GET", `/v1/skills/${author}/${slug}/latest`);
  } catch (error) {
    replace(root, back, h("h1", null, `${author}/${slug}`), errorBox(error));
    return;
  }
  const readme = h("div", { class: "readme" }, h("p", { class: "muted" }, "Loading README…"));
  replace(
    root,
    back,
    pageHeader(pkg.name),
    h("p", { class: "desc" }, pkg.description),
    latest.deprecated ? h("p", { class: "error" }, `Deprecated: ${latest.deprecated}`) : null,
    h(
      "section",
      { class: "card" },
      h("h2", null, "Install"),
      commandLine(`agent-mesh skills install ${author}/${slug}`),
      commandLine(`npx skills add ${location.origin}/skills/${author}`),
    ),
    h(
      "div",
      { class: "two-col" },
      h("section", { class: "card" }, h("h2", null, "README"), readme),
      h(
        "div",
        null,
        h(
          "section",
          { class: "card" },
          h("h2", null, "Dist-tags"),
          h(
            "dl",
            { class: "facts" },
            Object.entries(pkg["dist-tags"]).flatMap(([tag, v]) => [h("dt", null, tag), h("dd", null, v)]),
          ),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", null, "Versions"),
          h(
            "ul",
            { class: "plain-list" },
            Object.values(pkg.versions)
              .reverse()
              .map((v) =>
                h(
                  "li",
                  null,
                  h("strong", null, v.version),
                  h(
                    "span",
                    { class: "muted" },
                    ` · ${timeAgo(v.published_at)}${v.deprecated ? " · deprecated" : ""}`,
                  ),
                ),
              ),
          ),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", null, `Files (${latest.file_count})`),
          h(
            "ul",
            { class: "plain-list files" },
            (latest.files ?? []).map((f) =>
              h("li", null, h("code", null, f.path), h("span", { class: "muted" }, ` ${f.size} B`)),
            ),
          ),
        ),
      ),
    ),
  );
  try {
    const res = await fetch(`/skills/${author}/.well-known/agent-skills/${slug}/SKILL.md`);
    if (!res.ok) throw new Error(`README unavailable (${res.status})`);
    const text = await res.text();
    // Front matter is metadata, not prose.
    replace(readme, markdown(text.replace(/^---\n[\s\S]*?\n---\n/, "")));
  } catch (error) {
    replace(readme, errorBox(error));
  }
}
