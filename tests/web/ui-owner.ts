/**
 * The web UI for owners and admins, in real Chromium: tasks, creating and connecting an agent with the page's own
 * command, skills, admin tokens, dark mode and 360 px, and the page-wide checks (no console error, no request
 * outside the gateway).
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { spawnCli, tempDir } from "../cli/helpers.ts";
import { apiClient } from "../helpers/api.ts";
import { createUser, listAllTokens } from "../helpers/fixtures.ts";
import { openPage, SCREENSHOTS } from "./browser.ts";
import { eventually, taskPageShows, type UiContext } from "./ui-context.ts";

export function ownerTests(ctx: UiContext): void {
  it("queues a task, shows it completing, and opens it", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/tasks`);
    await page.getByLabel("Agent", { exact: true }).selectOption("helper");
    await page.getByLabel("Task", { exact: true }).fill("background job");
    await page.getByRole("button", { name: "Queue task" }).click();
    const row = page.locator(".task-row").first();
    await eventually(() => row.getAttribute("data-status")).toBe("completed");
    expect(await page.getByRole("button", { name: "Load more" }).isVisible()).toBe(false);
    // The row says what the task asked, not only its id; so does the task's page.
    expect(await row.locator(".task-message").textContent()).toBe("background job");
    await ctx.shot("tasks");
    await row.getByRole("link").click();
    await page.getByText("echo: background job").waitFor();
    expect(await page.locator(".task-message-full").textContent()).toBe("background job");
  });

  it("follows a running task live and cancels it; the agent sees the cancel", async () => {
    const { gateway, page, state } = ctx;
    await page.goto(`${gateway.url}/#/tasks`);
    await page.getByLabel("Task", { exact: true }).fill("slow");
    await page.getByRole("button", { name: "Queue task" }).click();
    await page.locator(".ok a").click();
    await eventually(() => page.locator(".task-live").textContent()).toContain("tick 2");
    const before = state.canceled.length;
    await page.getByRole("button", { name: "Cancel task" }).click();
    await eventually(() => page.locator(".task-status").textContent()).toBe("canceled");
    await eventually(() => state.canceled.length).toBeGreaterThan(before);
  });

  it("answers a task's permission prompt, and the question its turn ended with, on the task's page", async () => {
    const { gateway, page, alice } = ctx;
    // The turn asks permission (as an agent connected with --ask-caller does): the task waits on its caller.
    const asking = await alice.api.post("/v1/agents/helper/messages", { message: "ask", async: true });
    await page.goto(`${gateway.url}/#/tasks/${asking.body.task_id}`);
    const card = page.getByRole("region", { name: "Permission for Write" });
    await card.getByText("The agent asks to use Write: Write notes.md (3 lines)").waitFor();
    expect(await page.locator(".task-status").textContent()).toBe("input-required");
    await card.getByLabel("Why (optional)").fill("fine by me");
    await card.getByRole("button", { name: "Allow" }).click();
    await taskPageShows(ctx, asking.body.task_id, "completed");
    await page.locator(".task section").getByText("The caller said allow.").waitFor();
    expect(await page.getByRole("region", { name: "Permission for Write" }).count()).toBe(0);
    // The turn ends with a question: the reply runs the next turn, in the same session.
    const question = await alice.api.post("/v1/agents/helper/messages", { message: "question", async: true });
    await page.goto(`${gateway.url}/#/tasks/${question.body.task_id}`);
    await taskPageShows(ctx, question.body.task_id, "input-required");
    await page.locator(".task section").getByText("For how many?").waitFor();
    await page.getByLabel("Your reply").fill("4");
    await page.getByRole("button", { name: "Send reply" }).click();
    await taskPageShows(ctx, question.body.task_id, "completed");
    // The result, not the live text the turn streamed (kept, hidden, below it).
    await page.locator(".task section").getByText("echo: 4").waitFor();
    const done = await alice.api.get(`/v1/tasks/${question.body.task_id}`);
    expect(done.body).toMatchObject({ status: "completed", turn: 2, result: "echo: 4" });
  });

  it("creates an agent, shows its connect command, and sees it come online without a reload", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/mine`);
    await page.getByLabel("Name").fill("laptop");
    await page.getByLabel("Description").first().fill("My laptop");
    await page.getByLabel("Type").selectOption("echo");
    await page.getByRole("button", { name: "Create agent" }).click();
    const card = page.locator('[data-agent="laptop"]');
    await card.waitFor();
    await card.getByRole("button", { name: "Connect…" }).click();
    const command = (await card.locator(".connect .cmd").first().textContent())!;
    // The gateway's own `command` (it serves the connector tarball when one is built) or the page's fallback.
    const parsed =
      /^npx (?:-y http:\/\/127\.0\.0\.1:\d+\/dl\/agent-mesh-[0-9.]+\.tgz|agent-mesh) (connect --setup http:\/\/127\.0\.0\.1:\d+\/v1\/tickets\/amt_[0-9a-f]+)$/.exec(
        command.trim(),
      );
    expect(parsed, command).not.toBeNull();
    await card.screenshot({ path: join(SCREENSHOTS, `${ctx.runtime}-connect.png`) });
    // Run the exact command's arguments through this repository's CLI (npx would reach for a registry).
    const args = parsed![1]!.split(" ");
    const machine = tempDir("web-machine");
    const proc = spawnCli(args, { home: machine, cwd: machine });
    await proc.waitFor(/connected as /);
    await card.getByText("laptop is connected.").waitFor({ timeout: 10_000 });
    await card.screenshot({ path: join(SCREENSHOTS, `${ctx.runtime}-connected.png`) });
    await card.getByRole("button", { name: "Publish" }).click();
    await card.getByRole("button", { name: "Unpublish" }).waitFor();
    proc.kill();
    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Really delete laptop?" }).click();
    await card.waitFor({ state: "detached" });
  });

  it("shows an exec agent's connect command with what its owner appends, and the finished line connects it", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/mine`);
    await page.getByLabel("Name").fill("shell");
    await page.getByLabel("Type").selectOption("exec");
    await page.getByRole("button", { name: "Create agent" }).click();
    const card = page.locator('[data-agent="shell"]');
    await card.waitFor();
    await card.getByRole("button", { name: "Connect…" }).click();
    const command = (await card.locator(".connect .cmd").first().textContent())!.trim();
    const parsed = /(connect exec --setup http:\/\/127\.0\.0\.1:\d+\/v1\/tickets\/amt_[0-9a-f]+)$/.exec(
      command,
    );
    expect(parsed, command).not.toBeNull();
    expect(await card.locator(".connect .hint").textContent()).toBe(
      "shell is an exec agent: append the program it runs, -- <command> [args...] (for example -- tr a-z A-Z).",
    );
    const machine = tempDir("web-machine");
    const proc = spawnCli([...parsed![1]!.split(" "), "--", "tr", "a-z", "A-Z"], {
      home: machine,
      cwd: machine,
    });
    await proc.waitFor(/connected as /);
    await card.getByText("shell is connected.").waitFor({ timeout: 10_000 });
    proc.kill();
    await card.getByRole("button", { name: "Delete" }).click();
    await card.getByRole("button", { name: "Really delete shell?" }).click();
    await card.waitFor({ state: "detached" });
  });

  it("shows an agent's inbox to its owner: answers an ask with a reply, marks a message done", async () => {
    const { gateway, page, alice } = ctx;
    expect((await alice.api.post("/v1/agents", { name: "desk" })).status).toBe(201);
    await alice.api.post("/v1/agents/desk/inbox", { message: "build is green" });
    const asking = alice.api.post("/v1/agents/desk/asks", { message: "is main green?", timeout_seconds: 30 });
    asking.catch(() => {}); // awaited below; a failure before that must not leave it unhandled
    await page.goto(`${gateway.url}/#/mine`);
    const card = page.locator('[data-agent="desk"]');
    await card.locator(".inbox-panel summary").click();
    const inbox = card.getByRole("list", { name: "Inbox of desk" });
    // The ask may reach the inbox a moment after the page opened it: Refresh reads again.
    await eventually(async () => {
      await card.getByRole("button", { name: "Refresh" }).click();
      return inbox.locator("li[data-message]").count();
    }).toBe(2);
    expect(await card.locator(".inbox-panel summary").textContent()).toBe("Inbox (2 unread)");
    const ask = inbox.locator('li[data-kind="ask"]');
    expect(await ask.locator(".inbox-text").textContent()).toBe("is main green?");
    const replyBox = ask.getByRole("textbox", { name: "Reply to alice" });
    await replyBox.fill("yes, since 10:02");
    // A load redraws the list while the person types (here a Refresh clicked by script, which leaves the focus
    // where it is): the draft and the focus stay.
    const reloaded = page.waitForResponse((res) => res.url().includes("/inbox?"));
    await card.getByRole("button", { name: "Refresh" }).evaluate((button: HTMLElement) => button.click());
    await reloaded;
    await eventually(() => replyBox.evaluate((box) => box === document.activeElement)).toBe(true);
    expect(await replyBox.inputValue()).toBe("yes, since 10:02");
    await ask.getByRole("button", { name: "Reply" }).click();
    expect((await asking).body.reply).toMatchObject({ kind: "reply", text: "yes, since 10:02" });
    // Answered is done: the ask left the inbox with its reply; the message goes with Done.
    await eventually(() => inbox.locator("li[data-message]").count()).toBe(1);
    await inbox.locator('li[data-kind="message"]').getByRole("button", { name: "Done" }).click();
    await eventually(() => card.locator(".inbox-panel summary").textContent()).toBe("Inbox (0 unread)");
    expect(await inbox.textContent()).toBe("Empty.");
    expect((await alice.api.get("/v1/agents/desk/inbox")).body).toEqual({ messages: [], unread: 0 });
  });

  it("shows a task offered to a person's session in its inbox, and the reply there completes the task", async () => {
    const { gateway, page, alice } = ctx;
    expect((await alice.api.post("/v1/agents", { name: "helpdesk" })).status).toBe(201);
    const queued = await alice.api.post("/v1/agents/helpdesk/messages", {
      message: "rotate the logs",
      async: true,
    });
    const taskId = queued.body.task_id;
    // The session's presence beat (what `agent-mesh claude --as` keeps up) offers the queued task in the inbox,
    // and the task's page says where it waits.
    expect((await alice.api.call("PUT", "/v1/agents/helpdesk/inbox/presence")).status).toBe(200);
    await page.goto(`${gateway.url}/#/tasks/${taskId}`);
    await page
      .locator(".task-offered")
      .getByText("a reply from helpdesk's session (asked in its inbox)")
      .waitFor();
    await page.goto(`${gateway.url}/#/mine`);
    const card = page.locator('[data-agent="helpdesk"]');
    await card.locator(".inbox-panel summary").click();
    const ask = card.getByRole("list", { name: "Inbox of helpdesk" }).locator('li[data-kind="ask"]');
    expect(await ask.locator("p.muted").textContent()).toMatch(new RegExp(`^task ${taskId} from alice · `));
    expect(await ask.locator(".inbox-text").textContent()).toBe("rotate the logs");
    // It ends only with a reply: no Done.
    expect(await ask.getByRole("button", { name: "Done" }).count()).toBe(0);
    await ask.getByRole("textbox", { name: "Reply to alice" }).fill("rotated, 2 GB freed");
    await ask.getByRole("button", { name: "Reply" }).click();
    await eventually(async () => (await alice.api.get(`/v1/tasks/${taskId}`)).body.result).toBe(
      "rotated, 2 GB freed",
    );
    expect((await alice.api.get(`/v1/tasks/${taskId}`)).body.status).toBe("completed");
    await alice.api.call("DELETE", "/v1/agents/helpdesk/inbox/presence");
  });

  it("makes a share link, shows its URL once, lists it with what it reaches, and revokes it", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/mine`);
    const card = page.locator('[data-agent="helper"]');
    await card.locator(".shares-panel summary").click();
    const form = card.getByRole("form", { name: "New share link for helper" });
    await form.getByLabel("Label").fill("design chat");
    await form.getByLabel("Also when a person's session serves it (asked in its inbox)").check();
    await form.getByRole("button", { name: "New share link" }).click();
    const made = card.locator(".share-made");
    await made.getByText("copy it now, it is shown only once").waitFor();
    await card.scrollIntoViewIfNeeded();
    await ctx.shot("share-link");
    const url = (await made.locator("code").textContent())!;
    expect(url).toMatch(new RegExp(`^${gateway.url}/s/ams_[0-9a-f]{16}_[0-9a-f]{48}/$`));
    // The link works, and its guide says it reaches the agent's sessions too.
    const guide = await fetch(url);
    expect(guide.status).toBe(200);
    expect(await guide.text()).toContain("asked in its inbox");
    const row = card
      .getByRole("list", { name: "Share links of helper" })
      .locator("li", { hasText: "design chat" });
    expect(await row.getAttribute("data-status")).toBe("active");
    expect(await row.textContent()).toContain("also reaches sessions");
    // The list never holds the secret: only the answer that made the link did.
    expect(await card.getByRole("list", { name: "Share links of helper" }).textContent()).not.toContain(url);
    await row.getByRole("button", { name: "Revoke share design chat" }).click();
    await eventually(() => row.getAttribute("data-status")).toBe("revoked");
    expect(await row.getByRole("button", { name: /Revoke/ }).count()).toBe(0);
    expect((await fetch(url)).status).toBe(410);
    // A link that reaches sessions, to an agent online as a person's session: the inbox names the link by its label.
    const { alice } = ctx;
    const desk = await alice.api.post("/v1/agents/quiet/shares", { label: "reader form", sessions: true });
    expect((await alice.api.call("PUT", "/v1/agents/quiet/inbox/presence")).status).toBe(200);
    try {
      const queued = await fetch(`${desk.body.url}messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: "from a reader", async: true }),
      });
      expect(queued.status).toBe(202);
      await alice.api.call("PUT", "/v1/agents/quiet/inbox/presence"); // the beat that offers it
      await page.reload();
      const quiet = page.locator('[data-agent="quiet"]');
      await quiet.locator(".inbox-panel summary").click();
      const ask = quiet.getByRole("list", { name: "Inbox of quiet" }).locator('li[data-kind="ask"]');
      await ask
        .getByRole("textbox", { name: `Reply to share link “reader form” (${desk.body.id})` })
        .waitFor();
    } finally {
      await alice.api.call("DELETE", "/v1/agents/quiet/inbox/presence");
    }
  });

  it("browses skills and shows install commands and the README", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/skills`);
    await page.getByLabel("Search").fill("git");
    await page.getByRole("link", { name: "alice/git-helper" }).click();
    await page.getByText("agent-mesh skills install alice/git-helper").waitFor();
    expect(await page.getByText(`npx skills add ${gateway.url}/skills/alice`).count()).toBe(1);
    await page.locator(".readme").getByText("Do the thing.").waitFor();
    expect(await page.locator(".files").textContent()).toContain("scripts/run.sh");
    await ctx.shot("skill");
  });

  it("shows the admin this node's figures, and lets them create and revoke a user token", async () => {
    const { gateway, browser } = ctx;
    const admin = await openPage(browser, gateway.url);
    admin.page.setDefaultTimeout(10_000);
    await admin.page.goto(`${gateway.url}/#token=${gateway.adminToken}`);
    await admin.page.getByRole("link", { name: "Admin" }).click();
    const figures = admin.page.getByRole("region", { name: "This node" });
    const node = (await apiClient(gateway.url, gateway.adminToken).get("/v1/node")).body;
    await figures.getByText(`${node.runtime} · gateway ${node.version}`).waitFor();
    if (node.agents_connected === null) {
      await figures.getByText("each in its own Durable Object").waitFor(); // Workers
    } else {
      const agents = figures.locator("dt:text-is('Agents connected') + dd");
      expect(await agents.textContent()).toMatch(
        /^\d[\d,]*( of at most [\d,]+)?( \(open-files limit [\d,]+\))?$/,
      );
      // A self-hosted node caps its agents below its open-files limit (docs/capacity.md).
      if (node.open_files_limit !== null) expect(await agents.textContent()).toContain(" of at most ");
    }
    if (node.store_live_bytes !== null) {
      const store = figures.locator("dt:text-is('Store data') + dd");
      expect(await store.textContent()).toMatch(/^[\d,.]+ [KM]B( of at most [\d,.]+ [KM]B| \(no limit\))$/);
    }
    await admin.page.screenshot({ path: join(SCREENSHOTS, `${ctx.runtime}-admin.png`) });
    await admin.page.getByLabel("User name").fill("bob");
    await admin.page.getByRole("button", { name: "Create token" }).click();
    const token = (await admin.page.locator(".command .cmd").textContent())!;
    expect((await apiClient(gateway.url, token).get("/v1/me")).body.user).toBe("bob");
    await admin.page.getByRole("button", { name: "Revoke token of bob" }).click();
    await eventually(async () => (await apiClient(gateway.url, token).get("/v1/me")).status).toBe(401);

    // A page of tokens at a time: more than a page, and the rest comes on request.
    const api = apiClient(gateway.url, gateway.adminToken);
    for (let n = 0; n < 100; n += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.post("/v1/tokens", { name: `many-${n + i}` })),
      );
    }
    const total = (await listAllTokens(api)).length;
    expect(total).toBeGreaterThan(100);
    await admin.page.reload();
    const rows = admin.page.locator("tbody tr");
    await eventually(() => rows.count()).toBe(100);
    await admin.page.getByRole("button", { name: "Show more tokens" }).click();
    await eventually(() => rows.count()).toBe(Math.min(total, 200));
    expect(admin.consoleErrors.filter((e) => !e.includes("401"))).toEqual([]);
    await admin.context.close();
  });

  it("shows a fleet of more than 2,000 agents a page at a time, and finds the others by search", async () => {
    const { gateway, browser } = ctx;
    const fleet = await createUser(gateway.url, gateway.adminToken, "fleet-web");
    const name = (n: number) => `fleet-${String(n).padStart(4, "0")}`;
    // More than the gateway reads for one filtered page (2,000): a search for the last takes the page's cursor on.
    const last = 2100;
    for (let first = 0; first <= last; first += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, last + 1 - first) }, async (_, i) => {
          const res = await fleet.api.post("/v1/agents", { name: name(first + i), capabilities: ["fleet"] });
          expect(res.status).toBe(201);
        }),
      );
    }
    const owner = await openPage(browser, gateway.url);
    // On workerd a page of 1,000 agents took 0.3–1.1 s on an idle machine; in a CI run with the other test files
    // beside it, My agents' page did not come within 10 s.
    owner.page.setDefaultTimeout(30_000);
    try {
      await owner.page.goto(`${gateway.url}/#token=${fleet.token}`);
      await owner.page.getByRole("link", { name: "Directory" }).click();
      await owner.page.locator("#more-agents").getByText("Showing the first 1,000 agents by name").waitFor();
      const cards = owner.page.locator("li.agent");
      expect(await cards.count()).toBe(1000);
      expect(await owner.page.locator(`[data-agent="${name(1000)}"]`).count()).toBe(0);
      // The last agent comes after the first page: the search asks the gateway, and follows its cursor.
      await owner.page.getByLabel("Search").fill(name(last));
      await owner.page.locator(`[data-agent="${name(last)}"]`).waitFor();
      await eventually(() => cards.count()).toBe(1);
      await owner.page.getByRole("link", { name: "My agents" }).click();
      await owner.page.locator("#more-agents").getByText("Showing your first 1,000 agents by name").waitFor();
      expect(owner.consoleErrors).toEqual([]);
    } finally {
      await owner.context.close();
    }
  }, 150_000);

  it("renders dark mode and a 360 px layout", async () => {
    const { gateway, page } = ctx;
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${gateway.url}/#/chat/helper`);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("stream");
    await box.press("Enter");
    await page.locator("article.msg.agent .msg-tools").last().waitFor({ timeout: 15_000 });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe("rgb(14, 17, 23)");
    await ctx.shot("chat-dark");
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: "light" });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await ctx.shot("chat-360");
    await page.goto(`${gateway.url}/#/agents`);
    await page.locator("[data-agent]").first().waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await ctx.shot("directory-360");
  });

  it("logged no console errors and made no request outside the gateway", () => {
    const { w } = ctx;
    // The wrong-token sign-in answers 401 by design, and the offline agent 503; the browser logs those loads.
    const unexpected = w.consoleErrors.filter((e) => !/status of (401|503)/.test(e));
    expect(unexpected).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
  });
}
