/**
 * Agent Mesh gateway core.
 * @module
 */
export { createGateway, type Gateway, type GatewayOptions, VERSION } from "./app.ts";
export type { BlobStore } from "./blob-stores/types.ts";
export { configFromEnv, DEFAULT_CONFIG, type GatewayConfig } from "./config.ts";
export type { ConnectorPackageSource } from "./connector-package.ts";
export { errors, renderError } from "./errors.ts";
export { LocalAgentHome } from "./relay/local-home.ts";
export type { AgentHub, RelayCall, RelaySink, WireSocket } from "./relay/types.ts";
export type { SessionStore } from "./session-stores/types.ts";
export { gatherSseWritesUntil } from "./util/sse-body.ts";
