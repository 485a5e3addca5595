/**
 * `GET /v1/node` (admin): what this node holds right now — connected agents, requests in flight, memory and the
 * open-files limit that caps its fleet (docs/capacity.md). In a cluster each node answers for itself; on Workers,
 * where every agent has its own Durable Object, the fleet counts are null.
 */
import { Hono } from "hono";
import { requireAuth } from "../auth/middleware.ts";
import type { GatewayEnv } from "../gateway-env.ts";

export const nodeRoutes = new Hono<GatewayEnv>().get("/v1/node", requireAuth("admin"), (c) =>
  c.json(c.get("services").nodeStats()),
);
