/**
 * `serveMcp` with the MCP SDK loaded by the first MCP request instead of at every start: the SDK (and zod under
 * it) is the largest module the gateway imports, about a quarter of a second of a Bun start on the bench machine,
 * and a restart with a fleet waiting to reconnect pays for every bit of it.
 */
import type { Context } from "hono";
import type { GatewayEnv } from "../../gateway-env.ts";
import type { Mesh } from "./mesh.ts";
import type { MeshToolDefinition } from "./tools.ts";

let serving: Promise<typeof import("./serve.ts")> | undefined;

/** serve.ts's `serveMcp`, loaded once. */
export async function serveMcp<E extends GatewayEnv>(
  c: Context<E>,
  principal: string,
  mesh: Mesh,
  options?: { tools?: MeshToolDefinition<never>[]; instructions?: string },
): Promise<Response> {
  serving ??= import("./serve.ts");
  return (await serving).serveMcp(c, principal, mesh, options);
}
