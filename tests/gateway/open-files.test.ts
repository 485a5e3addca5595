/**
 * Every connected agent is one open file in the gateway, so the gateway says at start how many agents its
 * open-files limit leaves room for when that is under 100,000 (runtimes/shared/open-files.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { agentCapacity, openFilesNote, parseOpenFilesLimit } from "../../runtimes/shared/open-files.ts";
import { type GatewayProcess, type RuntimeName, startGateway } from "../helpers/gateway-process.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            4096                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe("the open-files limit", () => {
  it("is read from /proc/self/limits, unlimited included", () => {
    expect(parseOpenFilesLimit(LIMITS)).toEqual({ soft: 4096, hard: 524_288 });
    expect(parseOpenFilesLimit(LIMITS.replace("4096                 524288", "unlimited unlimited"))).toEqual(
      {
        soft: Number.POSITIVE_INFINITY,
        hard: Number.POSITIVE_INFINITY,
      },
    );
    expect(parseOpenFilesLimit("no such line")).toBeNull();
  });

  it("caps the agents a node takes, keeping a quarter of the limit back (at least 64 files, at most 1,000)", () => {
    expect(agentCapacity({ soft: 20_000, hard: 20_000 })).toBe(19_000);
    expect(agentCapacity({ soft: 1_048_576, hard: 1_048_576 })).toBe(1_047_576);
    expect(agentCapacity({ soft: 1024, hard: 1024 })).toBe(768);
    expect(agentCapacity({ soft: 160, hard: 160 })).toBe(96);
    expect(agentCapacity({ soft: 50, hard: 50 })).toBe(1);
    expect(agentCapacity({ soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY })).toBeNull();
    expect(agentCapacity(null)).toBeNull();
  });

  it("is mentioned only when it caps the fleet under 100,000 agents", () => {
    expect(openFilesNote({ soft: 4096, hard: 524_288 })).toContain(
      "this node takes at most 3,096 agents, one socket each, keeping 1,000 files",
    );
    expect(openFilesNote({ soft: 100_000, hard: 100_000 })).toBeNull();
    expect(openFilesNote({ soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY })).toBeNull();
    expect(openFilesNote(null)).toBeNull();
    // A cap the operator chose is said only when the limit cannot carry it.
    expect(openFilesNote({ soft: 4096, hard: 4096 }, "3000")).toBeNull();
    expect(openFilesNote({ soft: 4096, hard: 4096 }, "50000")).toContain(
      "AGENT_MESH_MAX_AGENTS=50,000 is more than the open-files limit (4,096) leaves room for: past about 3,096 agents",
    );
    expect(
      openFilesNote({ soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY }, "50000"),
    ).toBeNull();
  });

  let gateway: GatewayProcess | undefined;
  afterEach(async () => gateway?.stop());

  // `ulimit -n` lowers both limits (the runtimes would raise a lower soft limit to the hard one by themselves).
  it.each([
    "node",
    "bun",
    "deno",
  ] as RuntimeName[])("is said at start by a gateway on %s", async (runtime) => {
    gateway = await startGateway({ runtime, openFiles: 4096 });
    expect(gateway.output()).toContain(
      "Open files limit 4,096 (hard 4,096): this node takes at most 3,096 agents",
    );
  });
});
