import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CODEX_TEMP_SUBDIR, codexTempDirEnv } from "../../connector/src/agents/codex-temp-dir.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

describe("codexTempDirEnv (codex's sandbox helper alias vs a CODEX_HOME under the temp dir)", () => {
  it("moves TMPDIR into CODEX_HOME when CODEX_HOME is inside the temp dir", async () => {
    const home = await tempDir("codex-home");
    const env = codexTempDirEnv({ CODEX_HOME: home, TMPDIR: join(home, "..") });
    expect(env).toEqual({ TMPDIR: join(home, CODEX_TEMP_SUBDIR) });
    expect(existsSync(join(home, CODEX_TEMP_SUBDIR))).toBe(true);
    // HOME/.codex counts when CODEX_HOME is unset; /tmp is the temp dir when TMPDIR is unset.
    const owner = await tempDir("owner");
    expect(codexTempDirEnv({ HOME: owner, TMPDIR: join(owner, "..") })?.TMPDIR).toBe(
      join(owner, ".codex", CODEX_TEMP_SUBDIR),
    );
    await removeTempDirs();
  });

  it("changes nothing when CODEX_HOME is elsewhere", () => {
    expect(codexTempDirEnv({ CODEX_HOME: "/home/owner/.codex", TMPDIR: "/tmp" })).toBeUndefined();
    expect(codexTempDirEnv({ CODEX_HOME: "/tmpfoo/x", TMPDIR: "/tmp" })).toBeUndefined();
  });
});
