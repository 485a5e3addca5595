/**
 * Hostile skill archives: zips with random entries drawn from a pool of dangerous names, modes and methods,
 * duplicate names, lying sizes, bombs bounded by size, then maybe truncated or bit-flipped; and tars with links
 * pointing outside. `MARK` in a name becomes a per-run marker so an escaped file can be searched for.
 */
import fc from "fast-check";
import { type RawZipEntry, rawTar, rawZip } from "./raw-archives.ts";

const enc = (text: string) => new TextEncoder().encode(text);

export const ESCAPE_NAME = "fz-escape-MARK";

const NAMES = [
  "notes.md",
  "scripts/run.sh",
  "a",
  "a/b.md",
  "a/",
  "sub/SKILL.md",
  `../${ESCAPE_NAME}`,
  `../../${ESCAPE_NAME}`,
  `/tmp/${ESCAPE_NAME}`,
  `a/../../${ESCAPE_NAME}`,
  `..\\${ESCAPE_NAME}`,
  `C:/${ESCAPE_NAME}`,
  "./x.md",
  "a//b.md",
  ".env",
  ".git/config",
  "x".repeat(300),
  "é.md",
  "x\u0000y",
  "SKILL.md",
];

const MODES = [0, 0o100644, 0o100755, 0o120777, 0o040755, 0o010644, 0o020644, 0o140644, 0o060644];

const nameBytes = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...NAMES).map(enc) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(enc) },
  // Invalid UTF-8 that a lax decoder might turn into `..`.
  {
    weight: 1,
    arbitrary: fc
      .constantFrom([0xff, 0x2e, 0x2e, 0x2f, 0x78], [0xc0, 0xae, 0xc0, 0xae, 0x2f, 0x78])
      .map((b) => Uint8Array.from(b)),
  },
);

const data = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  { weight: 2, arbitrary: fc.constantFrom("/etc/passwd", "../../../", `../${ESCAPE_NAME}`).map(enc) },
  // A bomb, bounded: 6 MiB of zeros deflates to a few KiB and must stop at the per-file cap (5 MiB).
  { weight: 1, arbitrary: fc.constant(new Uint8Array(6 * 1024 * 1024)) },
);

const entry: fc.Arbitrary<RawZipEntry> = fc.record({
  name: nameBytes,
  data,
  method: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 8) }, fc.constantFrom(12, 99)),
  mode: fc.oneof({ weight: 5, arbitrary: fc.constant(0o100644) }, fc.constantFrom(...MODES)),
  flags: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, fc.constantFrom(1, 8)),
  declaredSize: fc.oneof(
    { weight: 9, arbitrary: fc.constant(undefined) },
    fc.constantFrom(0, 1, 0xfffffff0, 0x7fffffff),
  ),
});

const mutation = fc.oneof(
  { weight: 6, arbitrary: fc.constant((bytes: Uint8Array) => bytes) },
  fc.nat().map((at) => (bytes: Uint8Array) => bytes.subarray(0, at % (bytes.length + 1))),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((flips) => (bytes: Uint8Array) => {
      const copy = bytes.slice();
      for (const [at, value] of flips) if (copy.length) copy[at % copy.length] = value;
      return copy;
    }),
);

const tar = fc
  .array(
    fc.record({
      name: fc.constantFrom("SKILL.md", `../${ESCAPE_NAME}`, `/tmp/${ESCAPE_NAME}`, "link", "hard"),
      type: fc.constantFrom("0", "1", "2", "5"),
      linkName: fc.constantFrom("/etc/passwd", `../../${ESCAPE_NAME}`),
      data: fc.uint8Array({ maxLength: 32 }),
      declaredSize: fc.option(fc.constant(0o77777777777), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map(rawTar);

/** An archive for `skill.md` (a valid SKILL.md text, usually included, sometimes twice or mangled). */
export function hostileArchive(skillMd: string): fc.Arbitrary<Uint8Array> {
  const skillEntry: RawZipEntry = {
    name: enc("SKILL.md"),
    data: enc(skillMd),
    method: 8,
    mode: 0o100644,
    flags: 0,
  };
  const zip = fc
    .tuple(fc.array(entry, { maxLength: 5 }), fc.boolean(), mutation)
    .map(([entries, withSkill, mutate]) => mutate(rawZip(withSkill ? [skillEntry, ...entries] : entries)));
  // Names that nest into each other: a file that is also another entry's folder.
  const nesting = fc
    .uniqueArray(fc.constantFrom("a", "a/b.md", "a/", "a/b.md/c", "b.md"), { minLength: 1, maxLength: 4 })
    .map((names) =>
      rawZip([skillEntry, ...names.map((name) => ({ ...skillEntry, name: enc(name), data: enc(name) }))]),
    );
  return fc.oneof(
    { weight: 8, arbitrary: zip },
    { weight: 1, arbitrary: nesting },
    { weight: 1, arbitrary: tar },
  );
}
