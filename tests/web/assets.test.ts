/**
 * The generated asset module is committed: it must match a fresh build of the client sources, stay within the
 * size budget, and the client must never parse HTML from strings (agent output is untrusted).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OUTPUT, renderAssetsModule } from "../../gateway/web/build.mjs";
import { BUDGET_BYTES, measure } from "../../gateway/web/size.mjs";
import { ROOT } from "../helpers/gateway-process.ts";

const CLIENT = join(ROOT, "gateway/web/client");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("web UI assets", () => {
  it("the committed module matches a fresh build (run `npm run build:web` when this fails)", async () => {
    expect(
      readFileSync(OUTPUT, "utf8") === (await renderAssetsModule()),
      "assets.generated.ts is stale",
    ).toBe(true);
  });

  it(`JS + CSS stay within ${BUDGET_BYTES / 1024} KB min+gzip`, async () => {
    const size = await measure();
    console.log(`web UI size (min+gzip): js ${size.js} B, css ${size.css} B, total ${size.total} B`);
    expect(size.total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("the client never turns strings into HTML", () => {
    const files = sources(CLIENT);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(
        /\.innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|eval\(|new Function/,
      );
    }
  });
});
