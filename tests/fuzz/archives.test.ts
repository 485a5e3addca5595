/**
 * Property: whatever archive a publisher uploads (random entries, `../` and absolute paths, symlinks, hardlinks,
 * special files, duplicate names, lying sizes, bounded bombs, truncated or bit-flipped bytes, tars), the registry in
 * a real gateway process (fs store) refuses it with a documented code or accepts it with every file inside the
 * package, and writes nothing outside its data folder; and the CLI's install pipeline (`agent-mesh skills install`:
 * verify, unpack, write) refuses with a CliError or writes only inside the target skill folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../../connector/src/cli/errors.ts";
import { writeSkill } from "../../connector/src/commands/skills/install-target.ts";
import { unpackVerified } from "../../connector/src/commands/skills/installer.ts";
import { pathProblem } from "../../skills-registry/src/archive/path-rules.ts";
import { readZip } from "../../skills-registry/src/archive/read-zip.ts";
import { integrityOf } from "../../skills-registry/src/hashes.ts";
import { createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, ROOT, startGateway } from "../helpers/gateway-process.ts";
import { ESCAPE_NAME, hostileArchive } from "./support/archive-arbitraries.ts";
import { SNAKE_CASE } from "./support/known-codes.ts";
import { FUZZ_SCALE, FUZZ_TIMEOUT } from "./support/scale.ts";
import { walk } from "./support/walk.ts";

const SLUG = "fz";
const skillMd = (version: string) =>
  `---\nname: ${SLUG}\ndescription: A fuzzed skill.\nmetadata:\n  version: "${version}"\n---\n# fz\n`;

/** Codes docs/skills.md documents in the section from `start` to `end`. */
function documentedCodes(start: string, end: string): Set<string> {
  const docs = readFileSync(join(ROOT, "docs/skills.md"), "utf8");
  const section = docs.slice(docs.indexOf(start), docs.indexOf(end));
  return new Set([...section.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
}

const jail = mkdtempSync(join(tmpdir(), "agent-mesh-fuzz-archives-"));
const marker = `${Date.now().toString(36)}${process.pid}`;
const escapeName = ESCAPE_NAME.replace("MARK", marker);
/** Where an escaped file would land: beside the jail, in the temp root, in the repository. */
const escapeSpots = [tmpdir(), ROOT, resolve(jail, ".."), "/tmp"].map((dir) => join(dir, escapeName));
const withMarker = (bytes: Uint8Array) => {
  // The pool's names carry `MARK`; swap in this run's marker (same length, so offsets hold).
  const text = Buffer.from(bytes).toString("latin1").replaceAll("fz-escape-MARK", escapeName.slice(0, 14));
  return new Uint8Array(Buffer.from(text, "latin1"));
};

let gateway: GatewayProcess;
let token = "";
let user = "";
let counter = 0;

function noEscapes(): void {
  for (const spot of escapeSpots) if (existsSync(spot)) throw new Error(`a file escaped to ${spot}`);
}

describe("fuzz: skill archives", FUZZ_TIMEOUT, () => {
  beforeAll(async () => {
    gateway = await startGateway({ runtime: "node", store: "fs", dataDir: join(jail, "gateway-data") });
    const alice = await createUser(gateway.url, gateway.adminToken, `alice${Date.now().toString(36)}`);
    token = alice.token;
    user = alice.name;
  });

  afterAll(async () => {
    await gateway?.stop();
    rmSync(jail, { recursive: true, force: true });
  });

  it("publish: refused with a documented code, or accepted with every file inside; nothing written outside", async () => {
    // The refusal's code from "Error codes"; each listed problem's code from "Validation at publish".
    const documented = documentedCodes("### Error codes", "## Storage");
    const problemCodes = documentedCodes("## Validation at publish", "### Caps");
    const outcomes = { accepted: 0, refused: 0 };
    let previous: { bytes: number; status: number; code?: string } | null = null;
    await fc.assert(
      fc.asyncProperty(
        fc.constant(null).chain(() => {
          const version = `1.0.${counter++}`;
          return hostileArchive(skillMd(version)).map((archive) => ({
            version,
            archive: withMarker(archive),
          }));
        }),
        async ({ version, archive }) => {
          const res = await fetch(`${gateway.url}/v1/skills/${user}/${SLUG}/${version}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
            body: archive,
            signal: AbortSignal.timeout(15_000),
          }).catch((error: Error) => {
            // Said in full: a closed connection here was once the gateway's (runtimes/node/early-answers.ts).
            const context = `PUT of ${archive.length} bytes failed after ${JSON.stringify(previous)}`;
            throw new Error(`${context}; gateway output:\n${gateway.output().slice(-4000)}`, {
              cause: error,
            });
          });
          const body = await res.json();
          previous = { bytes: archive.length, status: res.status, code: body?.error?.code };
          if (res.status === 201) {
            outcomes.accepted++;
            const stored = await fetch(body.archive_url, { headers: { authorization: `Bearer ${token}` } });
            const files = readZip(new Uint8Array(await stored.arrayBuffer()));
            for (const path of files.keys())
              if (pathProblem(path)) throw new Error(`accepted a file outside the rules: ${path}`);
            if (!files.has("SKILL.md")) throw new Error("accepted a skill without SKILL.md");
            // What the registry took, the CLI installs: verified against the published integrity, fully written.
            const bytes = new Uint8Array(
              await (
                await fetch(body.archive_url, { headers: { authorization: `Bearer ${token}` } })
              ).arrayBuffer(),
            );
            const project = join(jail, "installs", version);
            await writeSkill(
              project,
              SLUG,
              await unpackVerified(bytes, body.integrity, `${user}/${SLUG}@${version}`),
            );
            for (const path of files.keys())
              if (!existsSync(join(project, ".agents/skills", SLUG, path)))
                throw new Error(`${path} not installed`);
          } else {
            outcomes.refused++;
            const code = body?.error?.code;
            if (res.status >= 500 || !documented.has(code))
              throw new Error(`refusal ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
            for (const problem of body.error.problems ?? []) {
              if (!SNAKE_CASE.test(problem.code) || !problemCodes.has(problem.code))
                throw new Error(`problem code ${problem.code} is not documented in docs/skills.md`);
            }
          }
          noEscapes();
        },
      ),
      { numRuns: Math.ceil(300 * FUZZ_SCALE) },
    );
    // Only the gateway's data folder and the installs exist in the jail (the CLI test below runs after this one).
    expect(walk(jail).filter((p) => !p.startsWith("gateway-data") && !p.startsWith("installs"))).toEqual([]);
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it("install: refused with a CliError, or written only inside the target skill folder", async () => {
    const outcomes = { installed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(hostileArchive(skillMd("1.0.0")).map(withMarker), async (archive) => {
        const project = join(jail, `project-${counter++}`, "work");
        mkdirSync(project, { recursive: true });
        try {
          const files = await unpackVerified(archive, await integrityOf(archive), `alice/${SLUG}@1.0.0`);
          await writeSkill(project, SLUG, files);
          outcomes.installed++;
          const written = walk(project);
          const outside = written.filter(
            (p) =>
              !p.startsWith(`.agents/skills/${SLUG}/`) &&
              ![
                "",
                ".agents",
                ".agents/skills",
                `.agents/skills/${SLUG}`,
                ".claude",
                ".claude/skills",
                `.claude/skills/${SLUG}`,
              ].includes(p),
          );
          if (outside.length) throw new Error(`install wrote outside the skill: ${outside.join(", ")}`);
          for (const path of files.keys())
            if (!existsSync(join(project, ".agents/skills", SLUG, path)))
              throw new Error(`${path} not written`);
        } catch (error) {
          if (!(error instanceof CliError) || !SNAKE_CASE.test(error.code)) throw error;
          outcomes.refused++;
          // A refusal writes nothing at all into the project.
          if (walk(project).some((p) => !p.startsWith(".agents")))
            throw new Error(`a refused install left files: ${walk(project).join(", ")}`);
        }
        // Beside the project (where `../` would land) there is nothing.
        if (walk(resolve(project, "..")).some((p) => !p.startsWith("work")))
          throw new Error(`written beside the project: ${walk(resolve(project, ".."))}`);
        noEscapes();
      }),
      { numRuns: Math.ceil(300 * FUZZ_SCALE) },
    );
    expect(outcomes.installed).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
