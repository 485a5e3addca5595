/**
 * The rule for text the registry stores and CLIs print in other people's terminals (front-matter strings,
 * deprecation messages): no control characters but tab and line feed. Its own module, so routes can use it
 * without loading the YAML library.
 * @module
 */

/**
 * C0 controls but tab and line feed, DEL and C1 controls. ESC, CR or an OSC sequence could rewrite the reader's
 * screen or clipboard (`skills search`, `skills info`). Tab and line feed stay: a folded or literal YAML block
 * (`description: |`) holds line feeds.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
export const CONTROL_CHARACTER: RegExp = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

/**
 * `U+001B` for the first control character in `value`, or `null` when it has none.
 *
 * @example
 * ```ts
 * firstControlCharacter("red\u001b[31m"); // "U+001B"
 * ```
 */
export function firstControlCharacter(value: string): string | null {
  const found = CONTROL_CHARACTER.exec(value)?.[0];
  if (found === undefined) return null;
  return `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}
