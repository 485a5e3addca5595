/**
 * One agent reply in the chat, built from the stream's chunks as they come: text (Markdown), thinking (collapsed),
 * tool cards (start + result), status lines, then attachments or an inline error with its code. Rendering is
 * batched per animation frame and only the changed tail of the Markdown is rebuilt, so long replies stay smooth.
 */
import { fetchBlob } from "./api.ts";
import { h } from "./dom.ts";
import { MarkdownView } from "./markdown.ts";
import type { Attachment } from "./types.ts";
import { copyButton, errorBox } from "./ui.ts";

export class Reply {
  readonly el: HTMLElement;
  #body: HTMLElement;
  #text = "";
  #segment: { view: MarkdownView; text: string } | null = null;
  #thinking: { box: HTMLDetailsElement; body: HTMLElement } | null = null;
  #openTools: { card: HTMLElement; result: HTMLElement }[] = [];
  #dirty = false;
  /** Chunks never reached the gateway (`event: gap`): the whole result is shown at the end. */
  #lost = false;

  constructor(agent: string) {
    this.#body = h("div", { class: "parts" });
    this.el = h(
      "article",
      { class: "msg agent", "aria-label": `Reply from ${agent}` },
      h("div", { class: "who" }, agent),
      this.#body,
    );
    this.el.classList.add("streaming");
  }

  /** Everything the agent said as text (what the copy button copies). */
  get text(): string {
    return this.#text;
  }

  chunk(kind: string, delta: string): void {
    if (kind === "text") {
      this.#thinking = null;
      if (!this.#segment) {
        const root = h("div", { class: "md" });
        this.#body.appendChild(root);
        this.#segment = { view: new MarkdownView(root), text: "" };
      }
      this.#segment.text += delta;
      this.#text += delta;
      this.#schedule();
      return;
    }
    this.#flush();
    this.#segment = null;
    if (kind === "thinking") {
      if (!this.#thinking) {
        const body = h("div", { class: "thinking-body" });
        const box = h("details", { class: "thinking" }, h("summary", null, "Thinking"), body);
        this.#body.appendChild(box);
        this.#thinking = { box, body };
      }
      this.#thinking.body.append(delta);
      return;
    }
    this.#thinking = null;
    if (kind === "tool_start") {
      const result = h("pre", { class: "tool-result", hidden: true });
      const card = h(
        "details",
        { class: "tool" },
        h("summary", null, h("span", { class: "tool-label" }, "Tool"), " ", firstLine(delta)),
        h("pre", { class: "tool-input" }, delta),
        result,
      );
      this.#body.appendChild(card);
      this.#openTools.push({ card, result });
    } else if (kind === "tool_result") {
      const open = this.#openTools.shift();
      if (open) {
        open.result.hidden = false;
        open.result.append(delta);
        open.card.classList.add("done");
      } else this.#body.appendChild(h("pre", { class: "tool-result" }, delta));
    } else {
      this.#body.appendChild(h("p", { class: "status-line" }, delta));
    }
  }

  /** Open permission cards by prompt id, so a withdrawal can close its card. */
  readonly #prompts = new Map<string, { card: HTMLElement; state: HTMLElement }>();

  /**
   * The agent waits for the caller's permission to use a tool: a card with Allow and Deny. The agent denies by
   * itself after its own timeout and withdraws the prompt (see `withdrawn`); a click that crosses it says so (409).
   */
  permission(
    prompt: { prompt_id: string; tool: string; summary?: string },
    answer: (decision: "allow" | "deny") => Promise<void>,
  ) {
    this.#flush();
    const state = h("span", { class: "permission-state", "aria-live": "polite" });
    const choose = (decision: "allow" | "deny") => async () => {
      for (const button of card.querySelectorAll("button")) button.disabled = true;
      state.textContent = decision === "allow" ? "Allowing…" : "Denying…";
      try {
        await answer(decision);
        state.textContent = decision === "allow" ? "Allowed." : "Denied.";
      } catch (error) {
        state.replaceChildren(errorBox(error));
      }
    };
    const allow = h("button", { type: "button", class: "primary small" }, "Allow");
    const deny = h("button", { type: "button", class: "small" }, "Deny");
    allow.addEventListener("click", choose("allow"));
    deny.addEventListener("click", choose("deny"));
    const card = h(
      "div",
      { class: "permission", role: "group", "aria-label": `Permission for ${prompt.tool}` },
      h("p", null, `The agent asks to use ${prompt.tool}: ${prompt.summary ?? prompt.tool}`),
      allow,
      deny,
      state,
    );
    this.#prompts.set(prompt.prompt_id, { card, state });
    this.#body.appendChild(card);
  }

  /** The agent decided a prompt by itself (no answer in time: denied): its card loses its buttons and says so. */
  withdrawn(withdrawal: { prompt_id: string; message?: string }) {
    const open = this.#prompts.get(withdrawal.prompt_id);
    if (!open) return;
    this.#prompts.delete(withdrawal.prompt_id);
    for (const button of open.card.querySelectorAll("button")) button.disabled = true;
    open.state.textContent = withdrawal.message ?? "No answer in time: denied.";
  }

  /** Chunks of the reply never reached the gateway: says so where they are missing. */
  gap(message: string): void {
    this.#flush();
    this.#segment = null;
    this.#lost = true;
    this.#body.appendChild(h("p", { class: "status-line gap" }, message));
  }

  done(result: string, attachments: Attachment[]): void {
    if (this.#lost && result) {
      // What streamed has holes: the whole answer follows, and is what the copy button copies.
      this.#flush();
      this.#segment = null;
      this.#text = "";
      this.#body.appendChild(h("p", { class: "status-line" }, "The whole answer:"));
    }
    // An agent that sends no text chunks still has a result.
    if (!this.#text && result) this.chunk("text", result);
    this.#flush();
    if (attachments.length) {
      this.#body.appendChild(
        h(
          "ul",
          { class: "attachments", "aria-label": "Attachments" },
          attachments.map((a) => h("li", null, downloadLink(a))),
        ),
      );
    }
    this.#end();
  }

  fail(error: unknown): void {
    this.#flush();
    this.#body.appendChild(errorBox(error));
    this.#end();
  }

  stopped(): void {
    this.#flush();
    this.#body.appendChild(h("p", { class: "status-line stopped" }, "Stopped."));
    this.#end();
  }

  #end(): void {
    this.el.classList.remove("streaming");
    for (const pre of this.#body.querySelectorAll(".md pre")) {
      const code = pre.textContent ?? "";
      pre.parentNode?.insertBefore(
        h(
          "div",
          { class: "code-tools" },
          copyButton(() => code, "Copy code"),
        ),
        pre,
      );
    }
    if (this.#text)
      this.el.appendChild(
        h(
          "div",
          { class: "msg-tools" },
          copyButton(() => this.#text, "Copy reply"),
        ),
      );
  }

  #schedule(): void {
    if (this.#dirty) return;
    this.#dirty = true;
    requestAnimationFrame(() => this.#flush());
  }

  #flush(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#segment?.view.render(this.#segment.text);
  }
}

function firstLine(text: string): string {
  const line = text.split("\n")[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || "call";
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A real link; a click fetches the file with the token (attachment URLs need it) and saves it. */
export function downloadLink(a: Attachment): HTMLElement {
  const link = h(
    "a",
    { href: a.url, class: "attachment", download: a.name },
    `⬇ ${a.name}`,
    h("span", { class: "muted" }, ` (${size(a.size)})`),
  );
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    try {
      const blob = await fetchBlob(a.url);
      const url = URL.createObjectURL(blob);
      const save = h("a", { href: url, download: a.name });
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      link.after(errorBox(error));
    }
  });
  return link;
}
