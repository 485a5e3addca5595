/**
 * `{ ...base, ...extra }`, built the way Node 20 keeps fast: its V8 (11.3) takes about a microsecond for each
 * property written after a spread, and `JSON.stringify` then takes some 8 times as long over the object it made (a
 * durable task's record: 8 + 10 µs of a task's 140). Node 22, Bun and Deno build either form in under a
 * microsecond. Used where it runs per request or per listed item.
 *
 * @example
 * extended(record, { online: true }); // a new object; `record` is left as it was
 */
export function extended<Base extends object, Extra extends object>(base: Base, extra: Extra): Base & Extra {
  return Object.assign({}, base, extra);
}
