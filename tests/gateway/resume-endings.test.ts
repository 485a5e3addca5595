/**
 * A live call's ending is kept for the resume window so a caller that lost its stream can re-attach and get the rest
 * (`GET /v1/agents/:ref/messages/:request_id`); a call whose caller was never told its request id (a `/v1` JSON call,
 * MCP ask_agent: `resumable: false`) keeps nothing, since no one can come back for it.
 */
import { describe, expect, it } from "vitest";
import type { RelaySink } from "../../gateway/src/relay/types.ts";
import { connectInProcessAgent, inProcessGateway } from "../helpers/in-process-gateway.ts";

/** A gateway with one agent connected through a link that answers every request with one chunk and done. */
async function gatewayWithEchoAgent() {
  const gateway = inProcessGateway();
  await gateway.init();
  const { agent, caller } = await connectInProcessAgent(gateway, "echo", (request, send) =>
    queueMicrotask(() => {
      send({ type: "chunk", id: request.id, seq: 1, delta: request.message });
      send({ type: "done", id: request.id, seq: 2, result: request.message });
    }),
  );
  return { gateway, services: gateway.services, agent, caller };
}

/** A sink recording what it hears; `ended` settles with the done result (or the error code). */
function recordingSink() {
  const heard: string[] = [];
  let end!: (value: string) => void;
  const ended = new Promise<string>((resolve) => {
    end = resolve;
  });
  const sink: RelaySink = {
    chunk: (seq, _kind, delta) => heard.push(`chunk ${seq} ${delta}`),
    done: (frame) => {
      heard.push(`done ${frame.result}`);
      end(frame.result);
    },
    error: (code) => {
      heard.push(`error ${code}`);
      end(code);
    },
  };
  return { sink, heard, ended };
}

describe("endings kept for re-attaching callers", () => {
  it("replays a finished stream's chunks and ending to a caller that comes back", async () => {
    const { gateway, services, agent, caller } = await gatewayWithEchoAgent();
    try {
      const first = recordingSink();
      const call = await services.calls.callLive(caller, agent, { message: "hi" }, first.sink);
      expect(await first.ended).toBe("hi");
      const again = recordingSink();
      const outcome = await services.calls.followLive(caller, agent.id, call.requestId, 0, again.sink);
      expect(outcome).toBe("ended");
      expect(again.heard).toEqual(["chunk 1 hi", "done hi"]);
    } finally {
      gateway.dispose();
    }
  });

  it("keeps nothing of a call no one can come back to", async () => {
    const { gateway, services, agent, caller } = await gatewayWithEchoAgent();
    try {
      const first = recordingSink();
      const call = await services.calls.callLive(
        caller,
        agent,
        { message: "hi", resumable: false },
        first.sink,
      );
      expect(await first.ended).toBe("hi");
      expect(first.heard).toEqual(["chunk 1 hi", "done hi"]);
      const again = recordingSink();
      const outcome = await services.calls.followLive(caller, agent.id, call.requestId, 0, again.sink);
      expect(outcome).toBe("not_found");
      expect(again.heard).toEqual([]);
    } finally {
      gateway.dispose();
    }
  });
});
