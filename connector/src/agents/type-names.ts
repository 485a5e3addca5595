/**
 * The agent types a connector can run, by name only. Its own module with no imports, so a command that only
 * checks a type (`agents create --type`) does not load every adapter through `agents/index.ts`.
 * @module
 */
export const ADAPTER_TYPES = ["echo", "exec", "claude", "codex", "gemini"] as const;
