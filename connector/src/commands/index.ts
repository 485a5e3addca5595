import type { Command } from "commander";
import { register as agents } from "./agents.ts";
import { register as call } from "./call.ts";
import { register as cancel } from "./cancel.ts";
import { register as chat } from "./chat.ts";
import { register as config } from "./config.ts";
import { register as connect } from "./connect.ts";
import { register as discover } from "./discover.ts";
import { register as interactive } from "./interactive.ts";
import { register as list } from "./list.ts";
import { register as login } from "./login.ts";
import { register as logout } from "./logout.ts";
import { register as logs } from "./logs.ts";
import { register as mcp } from "./mcp.ts";
import { register as restart } from "./restart.ts";
import { register as skills } from "./skills.ts";
import { register as start } from "./start.ts";
import { register as status } from "./status.ts";
import { register as stop } from "./stop.ts";
import { register as task } from "./task.ts";

/** Every command file exports `register(program)`; list them here in help order. */
export const COMMANDS: Array<(program: Command) => void> = [
  login,
  status,
  logout,
  agents,
  connect,
  chat,
  call,
  task,
  cancel,
  discover,
  mcp,
  interactive,
  start,
  stop,
  restart,
  logs,
  list,
  config,
  skills,
];
