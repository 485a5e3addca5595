/**
 * Every connected agent is one open file in the gateway, so the gateway says at start how many agents its
 * open-files limit leaves room for when that is under 100,000 (runtimes/shared/open-files.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { openFilesNote, parseOpenFilesLimit } from "../../runtimes/shared/open-files.ts";
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

  it("is mentioned only when it caps the fleet under 100,000 agents", () => {
    expect(openFilesNote({ soft: 4096, hard: 524_288 })).toContain("about 3,996 agents can connect");
    expect(openFilesNote({ soft: 100_000, hard: 100_000 })).toBeNull();
    expect(openFilesNote({ soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY })).toBeNull();
    expect(openFilesNote(null)).toBeNull();
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
    expect(gateway.output()).toContain("Open files limit 4,096 (hard 4,096): about 3,996 agents can connect");
  });
});
