/**
 * Calling a socket's handlers (the route's `WSEvents`) from a runtime's own WebSocket listeners, as Hono's adapters
 * do: as methods of the events object, with a throw or a rejection going to its `onError`. Shared by the Bun and
 * Deno entries, whose listeners are the same functions for every socket.
 */
import type { WSContext, WSEvents } from "hono/ws";

export function dispatchSocketEvent<S>(
  events: WSEvents<S>,
  name: "onOpen" | "onMessage" | "onClose",
  event: Event,
  context: WSContext<S>,
): void {
  try {
    const result: unknown = events[name]?.(event as never, context);
    // No closure unless the handler returned a promise: this runs once per agent frame.
    if (result instanceof Promise)
      result.catch((error: unknown) => reportSocketError(events, context, error));
  } catch (error) {
    reportSocketError(events, context, error);
  }
}

function reportSocketError<S>(events: WSEvents<S>, context: WSContext<S>, error: unknown): void {
  if (!events.onError) throw error;
  events.onError(Object.assign(new Event("error"), { error }), context);
}
