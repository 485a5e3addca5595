/**
 * `agent-mesh skills dist-tag add <author/slug>@<version> <tag> | rm <author/slug> <tag> | ls <author/slug> [--json]`.
 * @module
 */
import type { Command } from "commander";
import { CliError } from "../../cli/errors.ts";
import { createRegistryClient, parseSkillRef, print, printJson } from "./api.ts";

export function register(skills: Command): void {
  const distTag = skills.command("dist-tag").description("manage dist-tags");
  distTag
    .command("add <skill> <tag>")
    .description("point tag at author/slug@version")
    .action(async (skill: string, tag: string) => {
      const { author, slug, spec } = parseSkillRef(skill);
      if (!spec) throw new CliError("version_required", "name the version: author/slug@1.2.3");
      const tags = await createRegistryClient().json(
        "PUT",
        `/${author}/${slug}/-/dist-tags/${encodeURIComponent(tag)}`,
        {
          version: spec,
        },
      );
      print(`${tag} → ${spec}; tags: ${JSON.stringify(tags)}`);
    });
  distTag
    .command("rm <skill> <tag>")
    .description("remove a dist-tag (not latest)")
    .action(async (skill: string, tag: string) => {
      const { author, slug } = parseSkillRef(skill);
      await createRegistryClient().json(
        "DELETE",
        `/${author}/${slug}/-/dist-tags/${encodeURIComponent(tag)}`,
      );
      print(`removed ${tag} from ${author}/${slug}`);
    });
  distTag
    .command("ls <skill>")
    .description("list dist-tags")
    .option("--json", "print JSON")
    .action(async (skill: string, options: { json?: boolean }) => {
      const { author, slug } = parseSkillRef(skill);
      const tags = await createRegistryClient().json<Record<string, string>>(
        "GET",
        `/${author}/${slug}/-/dist-tags`,
      );
      if (options.json) return printJson(tags);
      for (const [tag, version] of Object.entries(tags)) print(`${tag}: ${version}`);
    });
}
