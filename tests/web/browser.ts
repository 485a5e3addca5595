/**
 * Real headless Chromium for the web UI tests: Debian's `chromium` driven by playwright-core (no browser download,
 * offline). Without the binary the suite prints one loud SKIPPED line; with REQUIRE_CHROMIUM=1 (CI) it fails.
 * Every page is watched: console errors and any request outside the gateway are recorded for the tests to assert.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT } from "../helpers/gateway-process.ts";

// CHROMIUM_PATH, when set, is the only candidate (so a missing browser can be simulated).
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
export const CHROMIUM = CANDIDATES.find((path) => existsSync(path)) ?? null;

/** Why the suite cannot run here, or null. Throws under REQUIRE_CHROMIUM=1 so CI cannot pass without a browser. */
export function chromiumSkipReason(): string | null {
  if (CHROMIUM) return null;
  if (process.env.REQUIRE_CHROMIUM === "1")
    throw new Error("REQUIRE_CHROMIUM=1 but no Chromium binary was found (apt-get install -y chromium)");
  return "install chromium";
}

export const SCREENSHOTS = join(ROOT, ".tmp/web-ui-screenshots");

export async function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM!, headless: true });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  consoleErrors: string[];
  foreignRequests: string[];
  requestUrls: string[];
}

/** A fresh context (own storage) and page, with console errors and every request URL recorded. */
export async function openPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = await context.newPage();
  const watched: WatchedPage = { page, context, consoleErrors: [], foreignRequests: [], requestUrls: [] };
  page.on("console", (message) => {
    if (message.type() === "error") watched.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => watched.consoleErrors.push(`pageerror: ${error.message}`));
  page.on("request", (request) => {
    const url = request.url();
    watched.requestUrls.push(url);
    if (!url.startsWith(`${origin}/`) && !url.startsWith("blob:") && !url.startsWith("data:"))
      watched.foreignRequests.push(url);
  });
  return watched;
}
