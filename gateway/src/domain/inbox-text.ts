/**
 * What an inbox message's text must be, whichever door it came through (`/inbox`, `/asks`, a reply, MCP): not
 * blank, within the cap, and well-formed UTF-16, so every reader's JSON parser takes it (a lone surrogate such as
 * `"\ud800"` is valid in a JavaScript string and in JSON text, but strict parsers such as jq refuse it).
 *
 * @example
 * checkInboxText("build is green", INBOX_LIMITS.messageChars); // passes
 * checkInboxText("   ", INBOX_LIMITS.messageChars); // throws 400 invalid_request
 */
import { ApiError, errors } from "../errors.ts";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws 400 `invalid_request` for blank or ill-formed text, 413 `message_too_large` past `maxChars`. */
export function checkInboxText(text: string, maxChars: number): void {
  if (text.trim() === "") throw errors.invalidRequest("message must not be empty or only white space.");
  // The cap counts UTF-16 code units (what JavaScript's `length` counts), not bytes: an emoji counts 2.
  if (text.length > maxChars) {
    throw new ApiError(
      413,
      "message_too_large",
      `An inbox message holds at most ${maxChars} characters (UTF-16 code units, not bytes); send a file link for more.`,
    );
  }
  const lone = LONE_SURROGATE.exec(text);
  if (lone) {
    const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
    throw errors.invalidRequest(
      `message is not valid Unicode: a lone surrogate (U+${unit}) at character ${lone.index}; send text as UTF-8.`,
    );
  }
}
