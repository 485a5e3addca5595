import type { Command } from "commander";

/** Every command file exports `register(program)`; list them here in help order. */
export const COMMANDS: Array<(program: Command) => void> = [];
