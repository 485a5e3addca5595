/**
 * The sandbox, probed from inside: an `exec` agent runs the caller's message as a shell script (`sh`) in the real
 * sandbox (bubblewrap, socat, ripgrep). Every escape is checked on the host, not by trusting the probe's output.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAdapter } from "../../connector/src/agents/index.ts";
import {
  type AgentRuntime,
  createAgentRuntime,
  runAgentRequest,
} from "../../connector/src/runtime/run-request.ts";
import { type AgentSandbox, startSandbox } from "../../connector/src/sandbox/sandbox.ts";
import { prepareWorkspace, workspacePath } from "../../connector/src/workspace/prepare.ts";
import { makeProject, randomClientId, recorder, removeTempDirs, tempDir, waitFor } from "./helpers.ts";
import { sandboxAvailable } from "./sandbox-support.ts";

const available = sandboxAvailable("sandbox-exec.test.ts (the sandbox needs them)");

describe.skipIf(!available)("exec agent in the sandbox (real bubblewrap)", { timeout: 30_000 }, () => {
  let owner: string;
  let project: string;
  let sandbox: AgentSandbox;
  let runtime: AgentRuntime;
  let server: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    owner = await tempDir("owner-home");
    for (const [dir, file, text] of [
      [".ssh", "id_ed25519", "FAKE-SSH-KEY"],
      [".aws", "credentials", "FAKE-AWS-KEY"],
      [".config", "gh.yml", "FAKE-CONFIG"],
      [".agent-mesh", "config.json", "FAKE-AGENT-MESH-TOKEN"],
    ]) {
      await mkdir(join(owner, dir!), { recursive: true });
      await writeFile(join(owner, dir!, file!), text!);
    }
    project = await makeProject();
    sandbox = await startSandbox({ agentType: "exec", projectDir: project });
    runtime = runtimeWith(sandbox);
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.end("reached");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await removeTempDirs();
  });

  const runtimeWith = (box: AgentSandbox) =>
    createAgentRuntime({
      agent: "probe",
      adapter: createAdapter("exec", { command: "sh", env: { HOME: owner }, processSandbox: box }),
      projectDir: project,
    });
  const send = async (script: string, clientId = randomClientId(), rt = runtime) => {
    const { rec, callbacks } = recorder();
    await runAgentRequest(
      rt,
      { id: `r-${Math.random()}`, session_id: "s", client_id: clientId, message: script },
      callbacks,
    );
    expect(rec.verdicts).toBe(1);
    return rec;
  };

  it("cannot read the owner's secrets or another caller's workspace", async () => {
    const other = randomClientId();
    expect((await send("echo OTHER-CALLER-SECRET > theirs.txt", other)).error).toBeUndefined();
    expect(readFileSync(join(workspacePath(project, other), "theirs.txt"), "utf8")).toContain("OTHER-CALLER");
    const rec = await send(
      [
        `cat ${owner}/.ssh/id_ed25519 ${owner}/.aws/credentials ${owner}/.config/gh.yml ${owner}/.agent-mesh/config.json`,
        `cat ${workspacePath(project, other)}/theirs.txt`,
        `ls ${join(project, ".agent-mesh", "clients")}`,
        `cat ${join(project, ".agent-mesh", "sessions.json")}`,
        `cat ${join(project, ".env")} ../../../.env`, // not linked into workspaces, so not readable either
        "cat src/index.ts", // the project itself stays readable through the workspace link
        "echo END",
      ].join("; "),
    );
    expect(rec.error).toBeUndefined();
    const out = rec.text();
    expect(out).toContain("export const x = 1;");
    expect(out).toContain("END");
    for (const secret of [
      "FAKE-SSH-KEY",
      "FAKE-AWS-KEY",
      "FAKE-CONFIG",
      "FAKE-AGENT-MESH-TOKEN",
      "OTHER-CALLER",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).not.toContain(other);
  });

  it("writes outside the workspace, through a symlink or into /tmp, leave nothing on the host", async () => {
    const marker = `escape-${Date.now()}`;
    const other = randomClientId();
    await send("true", other);
    const targets = [
      join(project, "src", `${marker}-via-link`),
      join(project, `${marker}-project`),
      join("/tmp", `${marker}-tmp`),
      join("/tmp/claude", `${marker}-claude`),
      join(owner, `${marker}-home`),
      join(workspacePath(project, other), `${marker}-other`),
    ];
    const rec = await send(
      [
        `echo x > src/${marker}-via-link`,
        `echo x > ../../../${marker}-project`,
        ...targets.slice(1).map((path) => `echo x > ${path}`),
        "echo mine > mine.txt",
        "echo $TMPDIR > where-tmp.txt && echo t > $TMPDIR/scratch",
        "echo DONE",
      ].join("; "),
    );
    expect(rec.error).toBeUndefined();
    expect(rec.text()).toContain("DONE");
    for (const target of targets) expect(existsSync(target), target).toBe(false);
    // The agent's own writes work, and only its workspace files come back as attachments.
    expect(rec.done?.attachments.map((f) => f.path).sort()).toEqual(["mine.txt", "where-tmp.txt"]);
    const ownTmp = rec.done!.attachments.find((f) => f.path === "where-tmp.txt")!;
    const tmp = Buffer.from(ownTmp.bytes).toString().trim();
    expect(tmp.startsWith(join(project, ".agent-mesh", "sandbox"))).toBe(true);
    expect(readFileSync(join(tmp, "scratch"), "utf8")).toBe("t\n");
  });

  it("confines grandchildren and a daemonised child, and nothing survives the run", async () => {
    const tag = `${4000 + Math.floor(Math.random() * 999)}.25`;
    const clientId = randomClientId();
    const rec = await send(
      [
        `sh -c 'sh -c "cat ${owner}/.ssh/id_ed25519 > grandchild.txt 2>&1; echo x > ${project}/gc-escape"'`,
        `nohup sh -c 'sleep 1; echo late > late.txt; sleep ${tag}' >/dev/null 2>&1 &`,
        `setsid sh -c 'sleep ${tag}' >/dev/null 2>&1 < /dev/null &`,
        "sleep 0.3",
        // Seen running from inside first, so "gone afterwards" below is not vacuous.
        `grep -l "${tag}" /proc/[0-9]*/cmdline >/dev/null 2>&1 && echo DAEMON-RUNNING`,
        "echo STARTED",
      ].join("\n"),
      clientId,
    );
    expect(rec.error).toBeUndefined();
    expect(rec.text()).toContain("DAEMON-RUNNING");
    expect(rec.text()).toContain("STARTED");
    expect(existsSync(join(project, "gc-escape"))).toBe(false);
    expect(readFileSync(join(workspacePath(project, clientId), "grandchild.txt"), "utf8")).not.toContain(
      "FAKE",
    );
    const alive = () =>
      readdirSync("/proc")
        .filter((pid) => /^\d+$/.test(pid))
        .some((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(tag);
          } catch {
            return false;
          }
        });
    expect(await waitFor(() => !alive(), 5_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(join(workspacePath(project, clientId), "late.txt"))).toBe(false);
  });

  it("keeps two callers apart while both run at once", async () => {
    const [a, b] = [randomClientId(), randomClientId()];
    const probe = (me: string, them: string) =>
      `echo ${me}-data > own.txt; sleep 0.5; cat ../${them}/own.txt ${workspacePath(project, them)}/own.txt; ls ..; echo SEEN-END`;
    const [ra, rb] = await Promise.all([send(probe(a, b), a), send(probe(b, a), b)]);
    expect(ra.text()).toContain("SEEN-END");
    expect(rb.text()).toContain("SEEN-END");
    expect(ra.text()).not.toContain(`${b}-data`);
    expect(ra.text()).not.toContain(b);
    expect(rb.text()).not.toContain(a);
    expect(readFileSync(join(workspacePath(project, a), "own.txt"), "utf8")).toBe(`${a}-data\n`);
    expect(readFileSync(join(workspacePath(project, b), "own.txt"), "utf8")).toBe(`${b}-data\n`);
  });

  it("mounts the workspace read-only when the launch asks for it (how Codex's read-only mode is kept)", async () => {
    const clientId = randomClientId();
    const cwd = await prepareWorkspace(project, clientId);
    const launch = await sandbox.wrap({
      command: "sh",
      args: ["-c", "echo x > ro.txt; echo t > $TMPDIR/t && echo TMP-OK"],
      env: process.env,
      cwd,
      clientId,
      readOnlyWorkspace: true,
    });
    const out = await new Promise<string>((resolve) => {
      const child = spawn(launch.command, launch.args, { cwd, env: launch.env });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.on("close", () => resolve(text));
    });
    launch.release();
    expect(out).toContain("TMP-OK");
    expect(existsSync(join(cwd, "ro.txt"))).toBe(false);
  });

  it("refuses network to a loopback port that is not allowed, and reaches one that is", async () => {
    hits.length = 0;
    const denied = await send(
      `curl -sS -m 5 http://127.0.0.1:${port}/denied; echo; (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo DIRECT-OPEN; echo END`,
    );
    expect(denied.text()).toContain("END");
    expect(denied.text()).not.toContain("reached");
    expect(denied.text()).not.toContain("DIRECT-OPEN");
    expect(hits).toEqual([]);
    // The control: the same request with the port on the allow list arrives (so the refusal above is the policy).
    const allowing = await startSandbox({
      agentType: "exec",
      projectDir: project,
      allowHosts: [`127.0.0.1:${port}`],
    });
    const allowed = await send(
      `curl -sS -m 5 http://127.0.0.1:${port}/allowed`,
      randomClientId(),
      runtimeWith(allowing),
    );
    expect(allowed.text()).toContain("reached");
    expect(hits).toEqual(["/allowed"]);
  });
});
