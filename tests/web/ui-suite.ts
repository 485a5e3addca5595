/**
 * The web UI in real headless Chromium against a real gateway process with a real connected agent. Screenshots
 * land in .tmp/web-ui-screenshots/ (look at them). Without Chromium: one SKIPPED line (a failure under
 * REQUIRE_CHROMIUM=1).
 */
import { describe } from "vitest";
import type { RuntimeName } from "../helpers/gateway-process.ts";
import { accessibilityTests } from "./ui-a11y.ts";
import { callerTests } from "./ui-caller.ts";
import { setupUiContext } from "./ui-context.ts";
import { ownerTests } from "./ui-owner.ts";

export function describeWebUi(runtime: RuntimeName, skipReason: string | null): void {
  if (skipReason) console.warn(`SKIPPED: web UI in Chromium on ${runtime} (${skipReason})`);
  describe.skipIf(Boolean(skipReason))(`web UI in Chromium on ${runtime}`, () => {
    const ctx = setupUiContext(runtime);
    callerTests(ctx);
    ownerTests(ctx);
    accessibilityTests(ctx);
  });
}
