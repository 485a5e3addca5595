/**
 * Text written by other people (inbox messages and sender names, skill descriptions, share link labels, task
 * results and errors, agents' replies) made safe to print to a terminal. A control character in such text is a
 * command to the terminal, not text: `ESC [2K` and a carriage return erase and rewrite the line (a fake line),
 * `ESC ] 52 ; c ; … BEL` writes the clipboard, and so on. Each C0 control other than newline and tab, DEL, and each
 * C1 control (U+0080–U+009F, which some terminals obey as well) is shown instead in caret notation, as `cat -v`
 * shows them: `^[` for ESC, `^M` for CR, `^@` for NUL, `^?` for DEL, and `^[` plus the matching letter for a C1
 * control (U+009B, CSI, reads `^[[`). The text stays readable and nothing in it reaches the terminal as a command.
 * Machine output (`--json`) is never passed through here: it stays exactly what the gateway sent.
 * @module
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this module's purpose.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above, with newline and tab as well.
const CONTROLS_AND_BREAKS = /[\u0000-\u001f\u007f-\u009f]/g;

function caret(character: string): string {
  const code = character.charCodeAt(0);
  if (code === 0x7f) return "^?";
  // C1 controls are ESC followed by the letter 64 above (U+009B ≡ ESC [), the way 7-bit terminals write them.
  if (code >= 0x80) return `^[${String.fromCharCode(code - 0x40)}`;
  return `^${String.fromCharCode(code + 0x40)}`;
}

/**
 * `text` with every control character but newline and tab in caret notation.
 *
 * @example
 * printable("\u001b[2K\rFAKE") // "^[[2K^MFAKE"
 */
export function printable(text: string): string {
  return text.replace(CONTROLS, caret);
}

/**
 * The same for text shown on one line (a name, a label, a description in a list): newlines and tabs too.
 *
 * @example
 * printableLine("evil\nFAKE: official") // "evil^JFAKE: official"
 */
export function printableLine(text: string): string {
  return text.replace(CONTROLS_AND_BREAKS, caret);
}

/** `printable(text)` when `stream` is a terminal; exactly `text` when it is a pipe or a file. */
export function printableFor(stream: { isTTY?: boolean }, text: string): string {
  return stream.isTTY ? printable(text) : text;
}
