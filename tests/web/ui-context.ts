/**
 * What the web UI suites share on one runtime: a real gateway process, user alice with a connected scripted agent
 * (`helper`, public) and a never-connected one (`quiet`), a published skill, and one Chromium page that is watched
 * for console errors and requests outside the gateway. Filled in by `beforeAll`, torn down by `afterAll`.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { cleanupCli } from "../cli/helpers.ts";
import { connectAgent, createUser, type TestAgent } from "../helpers/fixtures.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";
import { skillZip } from "../skills/helpers.ts";
import { launch, openPage, SCREENSHOTS, type WatchedPage } from "./browser.ts";
import { type ScriptedAgentState, scriptedHandler } from "./scripted-agent.ts";

export interface UiContext {
  runtime: RuntimeName;
  gateway: GatewayProcess;
  browser: Browser;
  alice: Awaited<ReturnType<typeof createUser>>;
  /** The connected `helper` agent (replaced when a test reconnects it). */
  agent: TestAgent;
  w: WatchedPage;
  page: Page;
  state: ScriptedAgentState;
  shot(name: string): Promise<unknown>;
}

/** How long the suite's gateway keeps a call whose caller's stream dropped (`AGENT_MESH_RESUME_MS`). */
export const RESUME_MS = 10_000;

/**
 * Timings for a suite whose agent shares its process with Playwright, on a loaded machine:
 * - a dropped stream's call lives on for `RESUME_MS` (the tests' default is 1 s), far from the few seconds a Stop
 *   may take to reach the agent, so a cancel seen in that time was the Stop;
 * - heartbeats allow the test process a stall of several seconds (a screenshot, a busy CPU) before its agent counts
 *   as gone (the tests' default: 400 ms beats, 1.5 s grace); no test here waits for an agent to go offline.
 */
const SUITE_ENV = {
  AGENT_MESH_RESUME_MS: String(RESUME_MS),
  AGENT_MESH_HEARTBEAT_MS: "2000",
  AGENT_MESH_GRACE_MS: "10000",
};

/** Page state is polled: presence and task lists refresh every few seconds. */
export const eventually = <T>(read: () => Promise<T> | T) =>
  expect.poll(read, { timeout: 10_000, interval: 100 });

/**
 * Waits until the task's page shows `status`. A failure says what the gateway holds and what the agent went through,
 * in the error itself: CI keeps only the tail of a run's output, where the failures are listed.
 */
export async function taskPageShows(ctx: UiContext, taskId: string, status: string): Promise<void> {
  const shown = ctx.page.locator(".task-status");
  try {
    await eventually(() => shown.textContent()).toBe(status);
  } catch (error) {
    const stored = await ctx.alice.api.get(`/v1/tasks/${taskId}`);
    const statuses = ctx.agent.statuses.map((s) => s.type).join(" ");
    throw new Error(
      `The page shows ${await shown.textContent()}, not ${status}. The gateway holds ${JSON.stringify(stored.body)}; ` +
        `the agent's statuses: ${statuses}`,
      { cause: error },
    );
  }
}

export function setupUiContext(runtime: RuntimeName): UiContext {
  const ctx = {
    runtime,
    state: { canceled: [] },
    shot: (name: string) =>
      ctx.page.screenshot({ path: join(SCREENSHOTS, `${runtime}-${name}.png`), fullPage: false }),
  } as unknown as UiContext;

  beforeAll(async () => {
    ctx.gateway = await startGateway({ runtime, store: "fs", env: SUITE_ENV });
    const { url, adminToken } = ctx.gateway;
    ctx.alice = await createUser(url, adminToken, "alice");
    const helper = await ctx.alice.api.post("/v1/agents", {
      name: "helper",
      description: "Answers questions about the repository.",
      visibility: "public",
      capabilities: ["code", "docs"],
    });
    await ctx.alice.api.post("/v1/agents", {
      name: "quiet",
      description: "Never connected.",
      capabilities: ["ops"],
    });
    ctx.agent = await connectAgent(
      url,
      ctx.alice.token,
      "helper",
      scriptedHandler(url, ctx.alice.token, helper.body.id, ctx.state),
    );
    const published = await fetch(`${url}/v1/skills/alice/git-helper/1.0.0`, {
      method: "PUT",
      headers: { authorization: `Bearer ${ctx.alice.token}`, "content-type": "application/zip" },
      body: skillZip("git-helper", "1.0.0", { "scripts/run.sh": "echo hi\n" }) as Uint8Array<ArrayBuffer>,
    });
    expect(published.status).toBe(201);
    ctx.browser = await launch();
    ctx.w = await openPage(ctx.browser, url);
    ctx.page = ctx.w.page;
    ctx.page.setDefaultTimeout(10_000);
  }, 90_000);

  // A failure on a loaded machine is read from what the gateway and the agent saw, not guessed.
  afterEach((test) => {
    if (test.task.result?.state !== "fail") return;
    const statuses = ctx.agent?.statuses.map((status) => status.type).join(" ");
    console.warn(`[${runtime}] the agent's statuses: ${statuses}\n${ctx.gateway?.output().slice(-3000)}`);
  });

  afterAll(async () => {
    await ctx.browser?.close();
    ctx.agent?.stop();
    await cleanupCli();
    await ctx.gateway?.stop();
  });
  return ctx;
}
