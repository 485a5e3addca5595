/**
 * The Bun and Deno entries call a socket's handlers through one dispatcher: as methods of the events object, with
 * a throw or a rejection going to the handlers' own `onError`, never lost and never crashing the listener.
 */
import type { WSContext, WSEvents } from "hono/ws";
import { describe, expect, it } from "vitest";
import { dispatchSocketEvent } from "../../runtimes/shared/socket-events.ts";

const context = { readyState: 1 } as unknown as WSContext<unknown>;

describe("dispatchSocketEvent", () => {
  it("calls the handler as a method of its events object, with the event and the context", () => {
    const seen: unknown[] = [];
    const events: WSEvents<unknown> & { name: string } = {
      name: "events",
      onMessage(event, ws) {
        seen.push(this.name, event.data, ws);
      },
    };
    dispatchSocketEvent(events, "onMessage", { data: "frame" } as MessageEvent, context);
    expect(seen).toEqual(["events", "frame", context]);
  });

  it("hands a thrown error and a rejection to onError", async () => {
    const errors: unknown[] = [];
    const events: WSEvents<unknown> = {
      onOpen() {
        throw new Error("thrown");
      },
      onClose: () => Promise.reject(new Error("rejected")),
      onError: (event) => errors.push((event as Event & { error: Error }).error.message),
    };
    dispatchSocketEvent(events, "onOpen", new Event("open"), context);
    dispatchSocketEvent(events, "onClose", new Event("close"), context);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(errors).toEqual(["thrown", "rejected"]);
  });

  it("does nothing for an event that has no handler", () => {
    expect(() => dispatchSocketEvent({}, "onMessage", new Event("message"), context)).not.toThrow();
  });
});
