/**
 * Accessibility of every page of the web UI, audited in real Chromium with axe-core against WCAG 2.1 A and AA, in
 * light and dark mode: after the other suites ran, so the pages hold what people see (agents, a reply, tasks, an
 * inbox, share links). Each page's violations must be none; a failure lists each rule with the elements it found.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { openPage } from "./browser.ts";
import type { UiContext } from "./ui-context.ts";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface Finding {
  rule: string;
  impact: string | null;
  help: string;
  elements: string[];
}

/**
 * axe's findings on the page as it is now. The script is evaluated over the DevTools protocol, which the page's
 * CSP does not govern (a script tag would be refused).
 */
async function audit(page: Page): Promise<Finding[]> {
  await page.evaluate(AXE);
  return page.evaluate(async (tags) => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    }
    type Axe = { run(context: Document, options: object): Promise<AxeResult> };
    const { axe } = window as unknown as { axe: Axe };
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      elements: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
  }, WCAG_21_AA);
}

/** A page as people see it: reached, filled in, and ready to be audited. */
type Prepare = (page: Page, ctx: UiContext) => Promise<unknown>;

const go = (page: Page, ctx: UiContext, hash: string) => page.goto(`${ctx.gateway.url}/${hash}`);

const PAGES: [string, Prepare][] = [
  [
    "directory",
    async (page, ctx) => {
      await go(page, ctx, "#/agents");
      await page.locator('[data-agent="helper"]').waitFor();
    },
  ],
  // A chat with thinking, a tool card, a status line, an attachment and a permission card waiting for an answer.
  [
    "chat",
    async (page, ctx) => {
      await go(page, ctx, "#/chat/helper");
      const box = page.getByRole("textbox", { name: "Message" });
      for (const [message, shown] of [
        ["tools", page.locator("article.msg.agent .status-line")],
        ["file", page.getByRole("link", { name: /report\.txt/ })],
        ["ask", page.getByRole("group", { name: "Permission for Write" })],
      ] as const) {
        // The page may show an earlier conversation (the light-mode pass): wait for a new one of each, or the next
        // message is typed while this reply still runs, and the box does not send it.
        const before = await shown.count();
        await box.fill(message);
        await box.press("Enter");
        await expect.poll(() => shown.count(), { timeout: 10_000 }).toBeGreaterThan(before);
      }
    },
  ],
  [
    "tasks",
    async (page, ctx) => {
      await go(page, ctx, "#/tasks");
      await page.locator(".task-row").first().waitFor();
    },
  ],
  [
    "a task",
    async (page, ctx) => {
      const task = await ctx.alice.api.post("/v1/agents/helper/messages", {
        message: "audited",
        async: true,
      });
      await go(page, ctx, `#/tasks/${task.body.task_id}`);
      // The result's paragraph: the live text the task streamed stays in the page too, hidden.
      await page.locator("p", { hasText: "echo: audited" }).first().waitFor();
    },
  ],
  // An agent's card with its doors, share links and the inbox opened.
  [
    "my agents",
    async (page, ctx) => {
      await go(page, ctx, "#/mine");
      const card = page.locator('[data-agent="helper"]');
      await card.locator(".shares-panel summary").click();
      await card.locator(".shares li").first().waitFor();
      await card.locator(".inbox-panel summary").click();
      await card.getByRole("list", { name: "Inbox of helper" }).waitFor();
    },
  ],
  [
    "skills",
    async (page, ctx) => {
      await go(page, ctx, "#/skills");
      await page.getByText("git-helper").first().waitFor();
    },
  ],
  [
    "a skill",
    async (page, ctx) => {
      await go(page, ctx, "#/skills/alice/git-helper");
      await page.getByText("npx").first().waitFor();
    },
  ],
];

export function accessibilityTests(ctx: UiContext): void {
  for (const scheme of ["light", "dark"] as const) {
    it(`has no WCAG 2.1 AA violations on any page (${scheme} mode)`, async () => {
      const { gateway, page, browser } = ctx;
      const found: Record<string, Finding[]> = {};
      const record = async (name: string, on: Page) => {
        const findings = await audit(on);
        if (findings.length > 0) found[name] = findings;
      };
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, prepare] of PAGES) {
        await prepare(page, ctx);
        await record(name, page);
      }
      // Pages of other people: someone not signed in yet, and the admin.
      const other = await openPage(browser, gateway.url);
      other.page.setDefaultTimeout(10_000);
      try {
        await other.page.emulateMedia({ colorScheme: scheme });
        await other.page.goto(`${gateway.url}/`);
        await other.page.getByLabel("Token").waitFor();
        await record("sign-in", other.page);
        await other.page.goto(`${gateway.url}/#token=${gateway.adminToken}`);
        await other.page.getByRole("link", { name: "Admin" }).click();
        await other.page.getByRole("region", { name: "This node" }).getByText("gateway").first().waitFor();
        await record("admin", other.page);
      } finally {
        await other.context.close();
      }
      expect(found).toEqual({});
    }, 120_000);
  }
}
