/**
 * The floor's one route inside a Hono app: with `FLOOR_HTTP=hono` each floor serves its callers through this app
 * and the adapter the gateway's entry uses on that runtime (Bun.serve and Deno.serve take `app.fetch`; Node goes
 * through @hono/node-server). Measured beside the plain floor, it shows how much of the gateway's time is the
 * framework every Hono app pays, and how much is the gateway's own work. Agent sockets stay the floor's own.
 */
import { Hono } from "hono";
import type { FloorJournal } from "./journal.ts";
import { type createFloorRelay, handleMessage } from "./web-handler.ts";

export function floorHonoApp(
  relay: ReturnType<typeof createFloorRelay>,
  journal: FloorJournal | null = null,
): Hono {
  return new Hono().post("/v1/agents/:agent/messages", (c) => handleMessage(relay, c.req.raw, journal));
}

/** Whether this floor serves its callers through Hono (see above). */
export const FLOOR_HTTP_HONO = "hono";
