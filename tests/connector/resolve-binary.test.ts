/**
 * Finding an agent's binary (connector/src/agents/resolve-binary.ts): the first PATH entry that holds it, then
 * remembered like a shell remembers commands, and looked up again once the remembered one is gone.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveBinary } from "../../connector/src/agents/resolve-binary.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function pathOf(count: number): { entries: string[]; path: string } {
  const root = mkdtempSync(join(tmpdir(), "agent-mesh-bin-"));
  dirs.push(root);
  const entries = Array.from({ length: count }, (_, i) => join(root, `bin${i}`));
  for (const entry of entries) mkdirSync(entry);
  return { entries, path: entries.join(delimiter) };
}

function install(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, "#!/bin/sh\nexit 0\n");
  chmodSync(file, 0o755);
  return file;
}

describe("resolveBinary", () => {
  it("finds the first PATH entry holding an executable of that name", async () => {
    const { entries, path } = pathOf(4);
    writeFileSync(join(entries[0]!, "tool-a"), "not executable"); // skipped: no exec bit
    install(entries[2]!, "tool-a");
    install(entries[3]!, "tool-a");
    expect(await resolveBinary("tool-a", {}, path)).toBe(join(entries[2]!, "tool-a"));
  });

  it("keeps using the path it found while it is there, and looks again once it is gone", async () => {
    const { entries, path } = pathOf(3);
    const later = install(entries[2]!, "tool-b");
    expect(await resolveBinary("tool-b", {}, path)).toBe(later);

    // An earlier entry gains one: as with a shell's remembered commands, the known one is still used.
    const earlier = install(entries[0]!, "tool-b");
    expect(await resolveBinary("tool-b", {}, path)).toBe(later);

    rmSync(later);
    expect(await resolveBinary("tool-b", {}, path)).toBe(earlier);

    chmodSync(earlier, 0o644); // no longer executable: not found any more
    await expect(resolveBinary("tool-b", { npmPackage: "tool-b-cli" }, path)).rejects.toMatchObject({
      code: "adapter_missing",
      message: expect.stringContaining("npm install -g tool-b-cli"),
    });
  });

  it("remembers per PATH: the same name on another PATH is looked up there", async () => {
    const first = pathOf(1);
    const second = pathOf(1);
    const one = install(first.entries[0]!, "tool-c");
    const two = install(second.entries[0]!, "tool-c");
    expect(await resolveBinary("tool-c", {}, first.path)).toBe(one);
    expect(await resolveBinary("tool-c", {}, second.path)).toBe(two);
  });
});
