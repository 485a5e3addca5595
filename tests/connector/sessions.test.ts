import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ResumeStore } from "../../connector/src/sessions/resume-store.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

const key = { agent: "a", clientId: "0123456789abcdef", sessionId: "s/1" };

describe("ResumeStore", () => {
  it("survives a restart (a new instance reads what the old one wrote)", async () => {
    const project = await tempDir("store");
    const store = new ResumeStore(project);
    expect(await store.get(key)).toBeUndefined();
    await store.set(key, "resume-1");
    await store.set({ ...key, sessionId: "s/2" }, "resume-2");
    await store.set({ ...key, agent: "b" }, "other-agent");
    const reopened = new ResumeStore(project);
    expect(await reopened.get(key)).toBe("resume-1");
    expect(await reopened.get({ ...key, sessionId: "s/2" })).toBe("resume-2");
    expect(await reopened.get({ ...key, agent: "b" })).toBe("other-agent");
    await reopened.delete(key);
    expect(await new ResumeStore(project).get(key)).toBeUndefined();
  });

  it("writes atomically with mode 0600 under .agent-mesh, leaving no temp files", async () => {
    const project = await tempDir("store");
    const store = new ResumeStore(project);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.set({ ...key, sessionId: `s${i}` }, `r${i}`)),
    );
    expect(store.file).toBe(join(project, ".agent-mesh", "sessions.json"));
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dirname(store.file))).toEqual(["sessions.json"]);
    expect(Object.keys(JSON.parse(await readFile(store.file, "utf8")).entries)).toHaveLength(20);
  });

  it("starts empty on a damaged file and keeps the damaged copy aside", async () => {
    const project = await tempDir("store");
    const store = new ResumeStore(project);
    await store.set(key, "r");
    await writeFile(store.file, "{not json");
    const reopened = new ResumeStore(project);
    expect(await reopened.get(key)).toBeUndefined();
    expect((await readdir(dirname(store.file))).some((n) => n.startsWith("sessions.json.corrupt-"))).toBe(
      true,
    );
  });

  it("drops the oldest entries beyond maxEntries", async () => {
    const project = await tempDir("store");
    const store = new ResumeStore(project, { maxEntries: 2 });
    for (const s of ["1", "2", "3"]) await store.set({ ...key, sessionId: s }, s);
    const reopened = new ResumeStore(project, { maxEntries: 2 });
    expect(await reopened.get({ ...key, sessionId: "1" })).toBeUndefined();
    expect(await reopened.get({ ...key, sessionId: "3" })).toBe("3");
  });
});
