/**
 * Public entry of the wire protocol, shared by the gateway and the connector.
 * @module
 */
export * from "./close-codes.ts";
export * from "./frames.ts";
export * from "./limits.ts";
export * from "./permission-delta.ts";
