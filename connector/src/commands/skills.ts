/**
 * `agent-mesh skills ...`: publish to and install from the gateway's skills registry. One file per subcommand
 * under `commands/skills/`; see docs/skills.md.
 * @module
 */
import type { Command } from "commander";
import { register as deprecate } from "./skills/deprecate.ts";
import { register as distTag } from "./skills/dist-tag.ts";
import { register as info } from "./skills/info.ts";
import { register as init } from "./skills/init.ts";
import { register as install } from "./skills/install.ts";
import { register as installed } from "./skills/installed.ts";
import { register as list } from "./skills/list.ts";
import { register as publish } from "./skills/publish.ts";
import { register as remove } from "./skills/remove.ts";
import { register as search } from "./skills/search.ts";
import { register as unpublish } from "./skills/unpublish.ts";
import { register as update } from "./skills/update.ts";
import { register as version } from "./skills/version.ts";

export function register(program: Command): void {
  const skills = program
    .command("skills")
    .description(
      "publish skills to the gateway's registry and install them into projects (see docs/skills.md)",
    );
  for (const add of [
    init,
    publish,
    version,
    list,
    info,
    search,
    unpublish,
    deprecate,
    distTag,
    install,
    update,
    remove,
    installed,
  ])
    add(skills);
}
