/** The chunk sizes the bench agent streams, shared with the measurement that counts them. */

/** Size of chunk `index`: spread over 64–256 bytes, the same sequence every run. */
export function chunkSize(index: number): number {
  return 64 + ((index * 37) % 193);
}

/** Payload bytes of `count` chunks. */
export function payloadBytes(count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += chunkSize(i);
  return total;
}
