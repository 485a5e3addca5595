/**
 * A WebSocket close reason fits in 123 bytes of UTF-8 (RFC 6455 §5.5); Node's `ws`, Bun, Deno and workerd throw on
 * a longer one, and a close that throws leaves the socket open with the gateway believing it closed. Reasons often
 * quote what the agent sent (`received "<its type>"`), so they are cut by bytes, at a character boundary.
 */
const MAX_REASON_BYTES = 123;
const encoder = new TextEncoder();

export function closeReason(reason: string): string {
  if (reason.length <= MAX_REASON_BYTES / 3 || encoder.encode(reason).length <= MAX_REASON_BYTES)
    return reason;
  let cut = "";
  let bytes = 0;
  for (const char of reason) {
    const size = encoder.encode(char).length;
    if (bytes + size > MAX_REASON_BYTES - 3) return `${cut}…`;
    cut += char;
    bytes += size;
  }
  return cut;
}
