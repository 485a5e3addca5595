/**
 * Per-caller workspaces and the files agents leave in them.
 * @module
 */
export * from "./client-id.ts";
export * from "./prepare.ts";
export * from "./snapshot.ts";
export * from "./workspace-cache.ts";
