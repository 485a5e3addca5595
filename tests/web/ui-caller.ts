/**
 * The web UI for a caller, in real Chromium: headers, sign-in, directory with live presence, and chat (streaming
 * Markdown, a long reply, hostile output, thinking/tools/status, attachments, Stop and Esc, sessions, offline, a
 * person's session asked through its inbox).
 */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { connectAgent } from "../helpers/fixtures.ts";
import { connectRawAgent, sendWithGaps } from "../helpers/raw-agent.ts";
import { waitFor } from "../helpers/wait.ts";
import { scriptedHandler } from "./scripted-agent.ts";
import { eventually, RESUME_MS, type UiContext } from "./ui-context.ts";

export function callerTests(ctx: UiContext): void {
  it("serves the app with a strict CSP to browsers and JSON errors to API clients", async () => {
    const { gateway } = ctx;
    const html = await fetch(`${gateway.url}/`, { headers: { accept: "text/html" } });
    expect(html.status).toBe(200);
    expect(html.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(html.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(html.headers.get("x-content-type-options")).toBe("nosniff");
    expect(html.headers.get("referrer-policy")).toBe("no-referrer");
    const api = await fetch(`${gateway.url}/nope`, { headers: { accept: "application/json" } });
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe("not_found");
  });

  it("refuses a wrong token with a clear message", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/`);
    await page.getByLabel("Token").fill("am_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("did not accept this token");
    expect(await page.getByRole("alert").textContent()).toContain("unauthorized");
    await ctx.shot("signin-error");
  });

  it("signs in from the address fragment, which is gone at once and never sent", async () => {
    const { gateway, page, alice, w } = ctx;
    await page.goto(`${gateway.url}/#token=${alice.token}`);
    await page.getByText("Signed in as").waitFor();
    expect(page.url()).not.toContain("token");
    expect(await page.locator(".who strong").textContent()).toBe("alice");
    expect(w.requestUrls.some((u) => u.includes(alice.token))).toBe(false);
  });

  it("lists callable agents with live presence, search and a capability filter", async () => {
    const { gateway, page, alice, state } = ctx;
    await page.goto(`${gateway.url}/#/agents`);
    const card = page.locator('[data-agent="helper"]');
    await eventually(() => card.locator(".presence").getAttribute("data-online")).toBe("true");
    expect(await card.textContent()).toContain("Answers questions about the repository.");
    expect(await card.textContent()).toContain("by alice");
    expect(await page.locator('[data-agent="quiet"] .presence').getAttribute("data-online")).toBe("false");
    await page.getByLabel("Capability").selectOption("ops");
    await eventually(() => page.locator("[data-agent]").count()).toBe(1);
    await page.getByLabel("Capability").selectOption("");
    await page.getByLabel("Search").fill("repository");
    await eventually(() => page.locator("[data-agent]").count()).toBe(1);
    await ctx.shot("directory");
    // Presence is live: the agent goes offline and the dot follows without a reload.
    ctx.agent.stop();
    await eventually(() => card.locator(".presence").getAttribute("data-online")).toBe("false");
    ctx.agent = await connectAgent(
      gateway.url,
      alice.token,
      "helper",
      scriptedHandler(gateway.url, alice.token, (await alice.api.get("/v1/agents/helper")).body.id, state),
    );
    await eventually(() => card.locator(".presence").getAttribute("data-online")).toBe("true");
  });

  it("streams a Markdown reply token by token", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/chat/helper`);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("stream");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    const lengths = new Set<number>();
    await waitFor(
      async () => {
        lengths.add(((await reply.locator(".md").textContent()) ?? "").length);
        return !(await reply.getAttribute("class"))?.includes("streaming");
      },
      { timeoutMs: 15_000, what: "the reply to finish" },
    );
    expect(lengths.size).toBeGreaterThan(4); // seen growing, not all at once
    expect(await reply.locator("h4, h3").first().textContent()).toBe("Plan");
    expect(await reply.locator("strong").first().textContent()).toBe("bold");
    expect(await reply.locator("p").nth(0).textContent()).toContain(
      "snake_case_name, file_name_.txt, 2*3*4.",
    );
    expect(await reply.locator("em").count()).toBe(0);
    expect(await reply.locator("pre code").textContent()).toBe("const answer = 42;");
    expect(await reply.locator("li").count()).toBe(2);
    expect(await reply.locator('a[href="https://example.com/docs"]').getAttribute("rel")).toContain(
      "noopener",
    );
    await reply.getByRole("button", { name: "Copy reply" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("**bold**");
    await ctx.shot("chat");
  });

  it("keeps a long reply's finished blocks while it streams (only the tail is re-rendered)", async () => {
    const { page } = ctx;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("long");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    const first = reply.locator(".md p").first();
    // The first paragraph is finished once a second one has begun (until then it is the tail, re-rendered as it grows).
    await reply.locator(".md p").nth(1).waitFor();
    // Mark the first paragraph's DOM node; a full re-render would replace it and lose the mark.
    await first.evaluate((p) => {
      (p as HTMLElement).dataset.mark = "kept";
    });
    await reply.locator(".msg-tools").waitFor({ timeout: 15_000 });
    expect(await reply.locator(".md p").count()).toBe(400);
    expect(await reply.locator(".md p").first().getAttribute("data-mark")).toBe("kept");
    expect(await reply.locator(".md p").last().textContent()).toBe("Paragraph 400 has some code and words.");
  });

  it("renders a hostile reply as inert text", async () => {
    const { page } = ctx;
    const box = page.getByRole("textbox", { name: "Message" });
    // Shift+Enter adds a line instead of sending.
    const sent = await page.locator("article.msg.user").count();
    await box.fill("first line");
    await box.press("Shift+Enter");
    await box.pressSequentially("second");
    expect(await box.inputValue()).toBe("first line\nsecond");
    expect(await page.locator("article.msg.user").count()).toBe(sent);
    await box.fill("hostile");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    await reply.locator(".msg-tools").waitFor();
    expect(await reply.textContent()).toContain("<script>window.__pwned");
    expect(await reply.locator("script, img, iframe").count()).toBe(0);
    const hrefs = await reply.locator("a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    expect(hrefs.every((h) => h?.startsWith("https:") || h?.startsWith("http:"))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  });

  it("shows thinking, tool cards and status lines; downloads an attachment", async () => {
    const { page } = ctx;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("tools");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    // The status line is the last of these chunks: once it shows, the ones before it are rendered too.
    await eventually(() => reply.locator(".status-line").textContent()).toBe("Reading done");
    expect(await reply.locator("details.thinking").getAttribute("open")).toBeNull();
    expect(await reply.locator("details.tool summary").textContent()).toContain("read_file README.md");
    expect(await reply.locator(".tool-result").textContent()).toContain("# Agent Mesh");
    await reply.locator("details.tool summary").click();
    await ctx.shot("chat-tools");
    await box.fill("file");
    await box.press("Enter");
    const link = page.getByRole("link", { name: /report\.txt/ });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("report.txt");
    expect(readFileSync((await download.path())!, "utf8")).toBe("quarterly numbers\n");
  });

  it("asks the caller for permission with Allow and Deny, and the agent gets the answer", async () => {
    const { page } = ctx;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("ask");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    const card = reply.getByRole("group", { name: "Permission for Write" });
    await card.waitFor();
    expect(await card.textContent()).toContain("Write notes.md (3 lines)");
    await card.getByRole("button", { name: "Allow" }).click();
    await reply.getByText("The caller said allow.").waitFor();
    // The agent's reply can reach the stream before the answer's own POST resolves, so the card's state comes later.
    await eventually(() => card.locator(".permission-state").textContent()).toBe("Allowed.");
  });

  it("closes a permission card the agent withdrew (no answer in time): no buttons left, and it says why", async () => {
    const { page } = ctx;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("ask-unanswered");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    await reply.getByText("Denied: nobody answered.").waitFor();
    const card = reply.getByRole("group", { name: "Permission for Write" });
    expect(await card.locator(".permission-state").textContent()).toBe(
      "No answer to the permission prompt for Write within 1 s: denied.",
    );
    expect(await card.getByRole("button", { name: "Allow" }).isDisabled()).toBe(true);
    expect(await card.getByRole("button", { name: "Deny" }).isDisabled()).toBe(true);
  });

  it("Stop cancels the call on the server, and the agent sees it", async () => {
    const { page, state } = ctx;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("slow");
    await box.press("Enter");
    const reply = page.locator("article.msg.agent").last();
    await eventually(() => reply.textContent()).toContain("tick 2");
    const before = state.canceled.length;
    await page.getByRole("button", { name: "Stop" }).click();
    // Well inside the resume window the suite gives a dropped stream: this was an explicit cancel.
    const explicitCancel = { timeoutMs: RESUME_MS / 2 };
    await waitFor(() => state.canceled.length > before, {
      ...explicitCancel,
      what: "the agent to see the cancel",
    });
    await reply.getByText("Stopped.").waitFor();
    // Esc stops too.
    await box.fill("slow");
    await box.press("Enter");
    await eventually(() => page.locator("article.msg.agent").last().textContent()).toContain("tick 1");
    await box.press("Escape");
    await waitFor(() => state.canceled.length > before + 1, { ...explicitCancel, what: "Esc to cancel" });
    await page.locator("article.msg.agent").last().getByText("Stopped.").waitFor();
  });

  it("continues the session and starts a new chat", async () => {
    const { page } = ctx;
    const sessions = page.getByLabel("Conversation");
    const current = await sessions.inputValue();
    expect(current).not.toBe("");
    await page.getByRole("button", { name: "New chat" }).click();
    expect(await page.locator("article.msg").count()).toBe(0);
    await sessions.selectOption(current);
    await eventually(() => page.locator("article.msg.user").count()).toBeGreaterThan(3);
    // The next message continues that session on the gateway.
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("again");
    await box.press("Enter");
    await page.locator("article.msg.agent .md").last().getByText("echo: again").waitFor();
    expect(ctx.agent.requests.at(-1)).toMatchObject({ message: "again", session_id: current });
  });

  it("shows an offline agent's error inline with its code", async () => {
    const { gateway, page } = ctx;
    await page.goto(`${gateway.url}/#/chat/quiet`);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("hello?");
    await box.press("Enter");
    const alert = page.locator("article.msg.agent").last().getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("agent_offline");
  });

  it("asks a person's session through its inbox, and shows its reply", async () => {
    const { gateway, page, alice } = ctx;
    // `quiet` online as a person's session (what `agent-mesh claude` keeps up): no connector, an inbox.
    expect((await alice.api.call("PUT", "/v1/agents/quiet/inbox/presence")).status).toBe(200);
    try {
      await page.goto(`${gateway.url}/#/chat/quiet`);
      // Online, and how: as the CLI's `yes (session)`.
      await eventually(() => page.locator(".presence").first().textContent()).toBe("online (session)");
      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill("are you there?");
      await box.press("Enter");
      const reply = page.locator("article.msg.agent").last();
      await reply.getByText("asked in its inbox").waitFor();
      const ask = await waitFor(
        async () => (await alice.api.get("/v1/agents/quiet/inbox")).body.messages[0] ?? null,
        { what: "the ask in quiet's inbox" },
      );
      expect(ask).toMatchObject({ kind: "ask", text: "are you there?", from: { user: "alice" } });
      await alice.api.post(`/v1/agents/quiet/inbox/${ask.id}/reply`, {
        message: "**here**, reading the inbox",
      });
      await reply.locator(".md strong").getByText("here").waitFor();
      expect(await reply.getByRole("alert").count()).toBe(0);
    } finally {
      await alice.api.call("DELETE", "/v1/agents/quiet/inbox/presence");
    }
  });

  it("lets a page on another origin (localhost) call the API with a token; a page elsewhere cannot", async () => {
    const { gateway, alice, browser } = ctx;
    const page = await browser.newPage();
    try {
      // The gateway's /health served from http://localhost:<port>: another origin than http://127.0.0.1:<port>.
      await page.goto(`${gateway.url.replace("127.0.0.1", "localhost")}/health`);
      const call = ([url, token]: string[]) =>
        Promise.all([
          fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } }).then(async (res) => ({
            status: res.status,
            user: (await res.json()).user,
          })),
          // Preflighted (JSON and a token); refused, and the page reads why.
          fetch(`${url}/v1/agents/quiet/messages`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ message: "hello from another page" }),
          }).then(async (res) => ({ status: res.status, code: (await res.json()).error.code })),
        ]).catch((error: Error) => error.message);
      expect(await page.evaluate(call, [gateway.url, alice.token])).toEqual([
        { status: 200, user: "alice" },
        { status: 503, code: "agent_offline" },
      ]);
      // A page with an opaque origin (`Origin: null`) is not allowed: the browser keeps the answer from it.
      await page.goto("about:blank");
      expect(await page.evaluate(call, [gateway.url, alice.token])).toBe("Failed to fetch");
    } finally {
      await page.close();
    }
  });

  it("says where a reply's chunks never reached the gateway, then shows the whole answer", async () => {
    const { gateway, page, alice } = ctx;
    expect((await alice.api.post("/v1/agents", { name: "with-gaps" })).status).toBe(201);
    const raw = await connectRawAgent(gateway.url, alice.token, "with-gaps");
    try {
      await page.goto(`${gateway.url}/#/chat/with-gaps`);
      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill("go");
      await box.press("Enter");
      sendWithGaps(raw, (await raw.nextRequest()).id);
      const reply = page.locator("article.msg.agent").last();
      await eventually(() => reply.getAttribute("class")).not.toContain("streaming");
      const gaps = await reply.locator(".status-line.gap").allTextContents();
      expect(gaps).toHaveLength(2);
      expect(gaps[0]).toContain("Chunks 2-3 of the agent's output never reached the gateway");
      expect(gaps[1]).toContain("Chunk 5 of the agent's output never reached the gateway");
      expect(await reply.locator(".md").allTextContents()).toEqual(["a", "d", "abcdef"]);
      await reply.getByRole("button", { name: "Copy reply" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("abcdef");
      await ctx.shot("chat-gap");
    } finally {
      raw.close();
      await alice.api.call("DELETE", "/v1/agents/with-gaps");
    }
  });
}
