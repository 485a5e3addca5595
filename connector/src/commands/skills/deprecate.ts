/**
 * `agent-mesh skills deprecate <author/slug>[@range] "<message>"`: an empty message un-deprecates.
 * @module
 */
import type { Command } from "commander";
import { createRegistryClient, parseSkillRef, print } from "./api.ts";

export function register(skills: Command): void {
  skills
    .command("deprecate <skill> <message>")
    .description('mark author/slug[@range] deprecated with a message ("" removes it)')
    .action(async (skill: string, message: string) => {
      const { author, slug, spec } = parseSkillRef(skill);
      const result = await createRegistryClient().json<{ versions: string[] }>(
        "POST",
        `/${author}/${slug}/-/deprecate`,
        {
          range: spec ?? "*",
          message,
        },
      );
      print(
        `${message === "" ? "un-deprecated" : "deprecated"} ${author}/${slug}: ${result.versions.join(", ")}`,
      );
    });
}
