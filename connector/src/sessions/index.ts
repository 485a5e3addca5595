/**
 * Session resume store.
 * @module
 */
export * from "./resume-store.ts";
