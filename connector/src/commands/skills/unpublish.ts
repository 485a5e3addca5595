/**
 * `agent-mesh skills unpublish <author/slug>@<version>`: within 72 h of publishing; the number stays reserved.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, parseSkillRef, print } from "./api.ts";

export function register(skills: Command): void {
  skills
    .command("unpublish <skill>")
    .description("remove author/slug@version within 72 hours of publishing (the number stays reserved)")
    .action(async (skill: string) => {
      const { author, slug, spec } = parseSkillRef(skill);
      if (!spec) throw new CliError("version_required", "name the version: author/slug@1.2.3");
      await createRegistryClient().json("DELETE", `/${author}/${slug}/${encodeURIComponent(spec)}`);
      print(`unpublished ${author}/${slug}@${spec}`);
    });
}
