/** Share links: their management under `/v1` and the links themselves under `/s/{secret}/`. */
import { Hono } from "hono";
import type { GatewayEnv } from "../../gateway-env.ts";
import { shareLinks } from "./link.ts";
import { shareManagement } from "./manage.ts";

export const shareDoor = new Hono<GatewayEnv>().route("/", shareManagement).route("/", shareLinks);
