/**
 * Size caps, enforced at publish by the registry and again at install by the CLI. They sit well under the real
 * `skills` CLI's own limits (50 MB, 1000 files) so every published archive also installs with it.
 * @module
 */
export const LIMITS = {
  /** Bytes of the uploaded (compressed) archive. */
  archiveBytes: 10 * 1024 * 1024,
  /** Bytes of one file once unpacked. */
  fileBytes: 5 * 1024 * 1024,
  /** Bytes of all files once unpacked: the decompression-bomb cap, counted while inflating. */
  unpackedBytes: 20 * 1024 * 1024,
  /** Number of files in one skill. */
  fileCount: 500,
  /** Characters of one path inside the skill. */
  pathLength: 255,
  /** Bytes of SKILL.md. */
  skillMdBytes: 256 * 1024,
} as const;

/** Hours during which a version may be unpublished (npm's rule); afterwards only deprecation is possible. */
export const UNPUBLISH_WINDOW_HOURS = 72;
