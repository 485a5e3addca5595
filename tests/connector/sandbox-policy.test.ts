import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  allowedHosts,
  hostOfUrl,
  MODEL_API_HOSTS,
  parseAllowHost,
} from "../../connector/src/sandbox/network.ts";
import { callerFilesystemPolicy, programInstallDir } from "../../connector/src/sandbox/policy.ts";
import { removeTempDirs, tempDir } from "./helpers.ts";

afterAll(removeTempDirs);

describe("sandbox network allow list", () => {
  it("accepts host names, wildcards and host:port; refuses URLs, paths and bad ports", () => {
    expect(parseAllowHost("API.Example.com")).toBe("api.example.com");
    expect(parseAllowHost("*.example.com")).toBe("*.example.com");
    expect(parseAllowHost("127.0.0.1:8080")).toBe("127.0.0.1:8080");
    for (const bad of ["https://x.com", "x.com/path", "x.com:0", "x.com:70000", "", "a b", "*"]) {
      expect(() => parseAllowHost(bad), bad).toThrow(/--allow-host/);
    }
  });

  it("is the model API hosts, the hosts of base-URL variables and the owner's extras, once each", () => {
    const hosts = allowedHosts(
      "claude",
      { ANTHROPIC_BASE_URL: "http://127.0.0.1:4010/v1", OPENAI_BASE_URL: "not a url" },
      ["proxy.internal:8443", "api.anthropic.com"],
    );
    expect(hosts).toEqual([...MODEL_API_HOSTS.claude!, "127.0.0.1:4010", "proxy.internal:8443"]);
    expect(allowedHosts("exec", {}, [])).toEqual([]);
    expect(hostOfUrl("file:///etc/passwd")).toBeUndefined();
  });
});

describe("sandbox filesystem policy", () => {
  const paths = {
    project: "/p",
    stateDir: "/p/.agent-mesh",
    workspace: "/p/.agent-mesh/clients/c",
    home: "/p/.agent-mesh/sandbox/c/home",
    tmp: "/p/.agent-mesh/sandbox/c/tmp",
  };

  it("denies the private folders, the state folder and unlinked project entries; re-opens the caller's own", () => {
    const policy = callerFilesystemPolicy({
      paths,
      privateDirs: ["/home/owner"],
      programDirs: ["/home/owner/.nvm/versions/node/v20"],
      hiddenProjectEntries: [".git", ".env"],
    });
    expect(policy.denyRead).toEqual(["/home/owner", "/p/.agent-mesh", "/p/.git", "/p/.env"]);
    expect(policy.allowRead).toEqual([
      "/p",
      paths.workspace,
      paths.home,
      paths.tmp,
      "/home/owner/.nvm/versions/node/v20",
    ]);
    expect(policy.allowWrite).toEqual([paths.workspace, paths.home, paths.tmp]);
    expect(policy.denyWrite).toContain("/tmp/claude");
  });

  it("keeps the workspace read-only when asked (Codex's read-only mode)", () => {
    const policy = callerFilesystemPolicy({
      paths,
      privateDirs: [],
      programDirs: [],
      readOnlyWorkspace: true,
    });
    expect(policy.allowWrite).toEqual([paths.home, paths.tmp]);
    expect(policy.allowRead).toContain(paths.workspace);
  });

  it("re-opens the install folder of a program that lives in a private folder", async () => {
    const home = await tempDir("private-home");
    await mkdir(join(home, "node", "bin"), { recursive: true });
    await writeFile(join(home, "node", "bin", "node"), "");
    const pkg = join(home, "lib", "node_modules", "@scope", "cli");
    await mkdir(join(pkg, "dist"), { recursive: true });
    await writeFile(join(pkg, "dist", "main.js"), "");
    await mkdir(join(home, "bin"));
    await symlink(join(pkg, "dist", "main.js"), join(home, "bin", "cli"));
    expect(programInstallDir(join(home, "node", "bin", "node"), [home])).toBe(join(home, "node"));
    expect(programInstallDir(join(home, "bin", "cli"), [home])).toBe(pkg);
    expect(programInstallDir("/usr/bin/env", [home])).toBeUndefined();
  });
});
