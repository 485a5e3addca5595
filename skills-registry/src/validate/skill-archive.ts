/**
 * Validation of a whole skill at publish: unpack safely, then check SKILL.md, the version and every path, and
 * report all problems together.
 * @module
 */
import semver from "semver";
import { caseClashes, portablePathProblem } from "../archive/portable-paths.ts";
import { readZip } from "../archive/read-zip.ts";
import { type Problem, ValidationError } from "../errors.ts";
import { LIMITS } from "../limits.ts";
import { validateSkillMd } from "./skill-md.ts";

export interface ValidSkill {
  files: Map<string, Uint8Array>;
  description: string;
}

/** Unpacks and validates an uploaded archive for `slug@version`; throws `ValidationError` with every problem. */
export function validateSkillArchive(archive: Uint8Array, slug: string, version: string): ValidSkill {
  const files = readZip(archive);
  // Names Windows or a case-insensitive volume cannot hold: checked here, not in readZip, which also reads stored
  // versions (installs, discovery) published before these rules.
  const problems: Problem[] = [
    ...[...files.keys()].flatMap((path) => portablePathProblem(path) ?? []),
    ...caseClashes(files.keys()),
  ];
  const skillMd = files.get("SKILL.md");
  if (!skillMd) {
    const nested = [...files.keys()].find((p) => p.endsWith("/SKILL.md"));
    const otherCase = [...files.keys()].find((p) => p.toLowerCase() === "skill.md");
    const hint = otherCase
      ? ` (found ${otherCase}; the name must be SKILL.md, in capitals)`
      : nested
        ? ` (found ${nested}: SKILL.md must be at the archive root)`
        : "";
    problems.push({ code: "skill_md_missing", message: `SKILL.md is missing${hint}` });
    throw new ValidationError(problems);
  }
  if (skillMd.length > LIMITS.skillMdBytes) {
    problems.push({
      code: "file_too_large",
      message: `larger than ${LIMITS.skillMdBytes} bytes`,
      path: "SKILL.md",
    });
  }
  const text = new TextDecoder("utf-8").decode(skillMd);
  const frontmatter = validateSkillMd(text, slug, problems);
  if (frontmatter) {
    const metadata = frontmatter.data.metadata;
    const hasVersionKey = typeof metadata === "object" && metadata !== null && "version" in metadata;
    if (frontmatter.version === undefined) {
      // Present but not a string (`!!int "1"`) was already reported as version_invalid: one fault, one problem.
      if (!hasVersionKey)
        problems.push({
          code: "version_missing",
          message: `\`metadata.version\` is missing (expected "${version}")`,
          path: "SKILL.md",
        });
    } else if (semver.valid(frontmatter.version) !== frontmatter.version) {
      problems.push({
        code: "version_invalid",
        message: "`metadata.version` is not a semver version",
        path: "SKILL.md",
      });
    } else if (frontmatter.version !== version) {
      problems.push({
        code: "version_mismatch",
        message: `\`metadata.version\` is "${frontmatter.version}" but "${version}" is being published`,
        path: "SKILL.md",
      });
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return { files, description: frontmatter!.description };
}
