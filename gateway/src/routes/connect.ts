/**
 * `GET /v1/connect`: the agent WebSocket. Auth happens in the first frame (`hello`), never in the URL; `?agent=`
 * only names the agent so hosts that route by agent (Workers) know where the socket belongs.
 */
import type { MiddlewareHandler } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { ApiError } from "../errors.ts";
import type { GatewayEnv } from "../gateway-env.ts";
import type { AgentConnection } from "../relay/connection.ts";
import type { LocalAgentHome } from "../relay/local-home.ts";

/** Answers 426 to plain HTTP requests on the WebSocket route. */
export const requireUpgrade: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "This endpoint speaks WebSocket only; agents connect here.");
  }
  await next();
};

/** Wires a runtime's `upgradeWebSocket` helper to the local home. */
export function localConnectHandler(
  upgradeWebSocket: UpgradeWebSocket,
  home: LocalAgentHome,
): MiddlewareHandler {
  return upgradeWebSocket((c) => {
    // Kept per socket for as long as it lives (100,000 idle agents): the fewest objects that do the job.
    let connection: AgentConnection | undefined;
    const agentHint = c.req.query("agent") || undefined;
    const closed = () => {
      if (connection) home.closed(connection);
    };
    return {
      onOpen(_event, ws: WSContext) {
        // The context itself sends and closes (one per socket on every runtime); no wrapper around it.
        connection = home.accept(ws, agentHint);
      },
      onMessage(event) {
        if (connection) home.message(connection, event.data);
      },
      onClose: closed,
      onError: closed,
    };
  });
}
