/**
 * A small Markdown renderer that builds DOM nodes directly (no HTML string is ever parsed), so untrusted agent
 * output cannot inject markup: `<script>` stays text, raw HTML stays text, and links keep only http(s)/mailto
 * targets (`javascript:`, `data:` and the rest render as plain text). Images render as links (the CSP blocks
 * remote images anyway). Covers what agents write: headings, paragraphs, lists, quotes, fenced code, rules,
 * tables, inline code, bold, italic, strike, links.
 *
 * Streaming: `MarkdownView` re-renders only the blocks that changed (the tail), so long replies stay smooth.
 */
import { h } from "./dom.ts";

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

export function safeUrl(url: string): string | null {
  const trimmed = url.trim();
  return SAFE_URL.test(trimmed) ? trimmed : null;
}

/** Splits source into blocks at blank lines outside fenced code. */
export function splitBlocks(text: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  let fence: string | null = null;
  for (const line of text.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      current.push(line);
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) {
        fence = null;
        blocks.push(current.join("\n"));
        current = [];
      }
      continue;
    }
    if (marker) {
      if (current.length) blocks.push(current.join("\n"));
      current = [line];
      fence = marker;
      continue;
    }
    if (line.trim() === "") {
      if (current.length) blocks.push(current.join("\n"));
      current = [];
    } else current.push(line);
  }
  if (current.length) blocks.push(current.join("\n"));
  return blocks;
}

/** Renders one block's source into nodes. */
export function renderBlock(src: string): Node[] {
  const lines = src.split("\n");
  const first = lines[0] ?? "";
  const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(first);
  if (fence) {
    const body = lines.slice(1);
    if (body.length && body[body.length - 1]!.trim().startsWith(fence[1]!)) body.pop();
    const code = h("code", fence[2] ? { "data-lang": fence[2] } : null, body.join("\n"));
    return [h("pre", null, code)];
  }
  const out: Node[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push(h(`h${Math.min(heading[1]!.length + 2, 6)}` as "h3", null, inline(heading[2]!)));
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push(h("hr"));
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i]!)) quoted.push(lines[i++]!.replace(/^\s*>\s?/, ""));
      const bq = h("blockquote");
      for (const node of splitBlocks(quoted.join("\n")).flatMap(renderBlock)) bq.appendChild(node);
      out.push(bq);
      continue;
    }
    const item = /^(\s*)([-*+]|\d{1,9}[.)])\s+/.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]!);
      const list = ordered ? h("ol") : h("ul");
      if (ordered && Number.parseInt(item[2]!, 10) !== 1)
        list.setAttribute("start", String(Number.parseInt(item[2]!, 10)));
      while (i < lines.length) {
        const m = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(lines[i]!);
        if (!m) break;
        const parts = [m[3]!];
        i++;
        // Continuation lines (indented, not a new item of this list) belong to the item.
        while (
          i < lines.length &&
          /^\s{2,}\S/.test(lines[i]!) &&
          !/^\s*([-*+]|\d{1,9}[.)])\s+/.test(lines[i]!)
        )
          parts.push(lines[i++]!.trim());
        const task = /^\[([ xX])\]\s+(.*)$/.exec(parts.join(" "));
        list.appendChild(
          task
            ? h("li", { class: "task" }, task[1] === " " ? "☐ " : "☑ ", inline(task[2]!))
            : h("li", null, inline(parts.join(" "))),
        );
      }
      out.push(list);
      continue;
    }
    if (line.includes("|") && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1] ?? "")) {
      const cells = (row: string) =>
        row
          .trim()
          .replace(/^\||\|$/g, "")
          .split("|")
          .map((c) => c.trim());
      const head = h(
        "tr",
        null,
        cells(line).map((c) => h("th", { scope: "col" }, inline(c))),
      );
      i += 2;
      const rows: HTMLElement[] = [];
      while (i < lines.length && lines[i]!.includes("|"))
        rows.push(
          h(
            "tr",
            null,
            cells(lines[i++]!).map((c) => h("td", null, inline(c))),
          ),
        );
      out.push(
        h("div", { class: "table-wrap" }, h("table", null, h("thead", null, head), h("tbody", null, rows))),
      );
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && !startsBlock(lines[i]!, lines[i + 1])) para.push(lines[i++]!);
    if (!para.length) para.push(lines[i++]!);
    const p = h("p");
    para.forEach((text, index) => {
      if (index > 0)
        p.appendChild(/ {2}$|\\$/.test(para[index - 1]!) ? h("br") : document.createTextNode(" "));
      for (const node of inline(text.replace(/ {2,}$|\\$/, ""))) p.appendChild(node);
    });
    out.push(p);
  }
  return out;
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    /^(#{1,6})\s/.test(line) ||
    /^\s*>/.test(line) ||
    /^\s*([-*+]|\d{1,9}[.)])\s+/.test(line) ||
    /^\s*([-*_])(\s*\1){2,}\s*$/.test(line) ||
    (line.includes("|") && /^\s*\|?\s*:?-{2,}/.test(next ?? ""))
  );
}

// Underscore emphasis must not start inside a word (snake_case_names stay text), as in CommonMark.
const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|(!?)\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)|<((?:https?:\/\/|mailto:)[^>\s]+)>|(\*\*|(?<!\w)__)(?=\S)([\s\S]*?\S)\7|(\*|(?<!\w)_)(?=\S)([\s\S]*?\S)\9(?![\w*])|~~(?=\S)([\s\S]*?\S)~~|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])|\\([\\`*_{}[\]()#+\-.!~|<>])/g;

/** Inline Markdown → nodes. Everything that is not markup becomes a text node. */
export function inline(text: string): Node[] {
  const nodes: Node[] = [];
  // One regex over the whole text (not slices), so lookbehinds see the characters before a match.
  const re = new RegExp(INLINE.source, "g");
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) nodes.push(document.createTextNode(text.slice(at, m.index)));
    at = m.index + m[0].length;
    if (m[1]) nodes.push(h("code", null, m[2]!.trim() || m[2]!));
    else if (m[5] !== undefined) nodes.push(link(m[4]!, m[5]!, m[3] === "!"));
    else if (m[6]) nodes.push(link(m[6], m[6], false));
    else if (m[7]) nodes.push(h("strong", null, inline(m[8]!)));
    else if (m[9]) nodes.push(h("em", null, inline(m[10]!)));
    else if (m[11]) nodes.push(h("del", null, inline(m[11])));
    else if (m[12]) nodes.push(link(m[12], m[12], false));
    else if (m[13]) nodes.push(document.createTextNode(m[13]));
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

function link(label: string, url: string, image: boolean): Node {
  const href = safeUrl(url);
  const text = image ? `Image: ${label || url}` : label || url;
  if (!href) return document.createTextNode(image ? text : `${label} (${url})`);
  return h(
    "a",
    { href, target: "_blank", rel: "noopener noreferrer nofollow" },
    image ? text : inline(label || url),
  );
}

/** Renders Markdown into `root`, keeping the DOM of blocks that did not change since the last call. */
export class MarkdownView {
  #blocks: { src: string; nodes: Node[] }[] = [];
  readonly root: HTMLElement;
  constructor(root: HTMLElement) {
    this.root = root;
  }

  render(text: string): void {
    const sources = splitBlocks(text);
    let keep = 0;
    while (keep < sources.length && keep < this.#blocks.length && this.#blocks[keep]!.src === sources[keep])
      keep++;
    for (const block of this.#blocks.splice(keep))
      for (const node of block.nodes) node.parentNode?.removeChild(node);
    for (const src of sources.slice(keep)) {
      const nodes = renderBlock(src);
      for (const node of nodes) this.root.appendChild(node);
      this.#blocks.push({ src, nodes });
    }
  }
}

/** One-shot render into a fresh element. */
export function markdown(text: string, className = "md"): HTMLElement {
  const root = h("div", { class: className });
  new MarkdownView(root).render(text);
  return root;
}
