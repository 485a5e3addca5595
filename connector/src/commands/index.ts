import type { Command } from "commander";
import { register as skills } from "./skills.ts";

/** Every command file exports `register(program)`; list them here in help order. */
export const COMMANDS: Array<(program: Command) => void> = [skills];
