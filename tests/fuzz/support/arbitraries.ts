/**
 * fast-check generators for what an untrusted caller can send: any JSON value (with prototype-pollution keys and
 * unicode edge cases), near-valid bodies with one field mutated, deep nesting, huge numbers, raw bytes (invalid
 * UTF-8 included) and wrong content types.
 */
import fc from "fast-check";

export const POLLUTION_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "then"];

/** Strings a parser or a store key may choke on: lone surrogates, NUL, BOM, RTL marks, very long runs. */
const edgeString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    "\u0000",
    "\ud800",
    "\udfff",
    "\ufeff",
    "\u202e",
    "a\u0000b",
    "../../etc/passwd",
    "%2e%2e%2f",
    "💥".repeat(50),
    "x".repeat(70_000),
    ...POLLUTION_KEYS,
  ),
);

const key = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  fc.constantFrom(...POLLUTION_KEYS),
);

const hugeNumber = fc.oneof(
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_VALUE,
    Number.MAX_VALUE,
    5e-324,
    -0,
    2 ** 53,
    1e21,
  ),
  fc.double(),
  fc.integer(),
);

/** Any JSON value, leaning on the troublesome leaves. */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    hugeNumber,
    edgeString,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** Every path to a field of a template, nested objects included (`["params", "arguments", "to"]`). */
function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    [...prefix, key],
    ...fieldPaths(inner, [...prefix, key]),
  ]);
}

/** A deep copy of `template` with the field at `path` set (own property, even `__proto__`) or, for undefined, dropped. */
function withField(template: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(template) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete at[last];
  else Object.defineProperty(at, last, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

/** A known-good body with one field (at any depth) replaced by anything, dropped, or joined by a pollution key. */
export function nearValid(template: Record<string, unknown>): fc.Arbitrary<unknown> {
  const paths = fieldPaths(template);
  const parents = [[], ...paths.filter((p) => fieldPaths(template, []).some((q) => q.length > p.length))];
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...paths), jsonValue)
      .map(([path, value]) => withField(template, path, value ?? null)),
    fc.constantFrom(...paths).map((path) => withField(template, path, undefined)),
    fc
      .tuple(fc.constantFrom(...parents), fc.constantFrom(...POLLUTION_KEYS), jsonValue)
      .map(([parent, key, value]) => {
        const target = parent.reduce<unknown>((at, k) => (at as Record<string, unknown>)[k], template);
        return target && typeof target === "object" && !Array.isArray(target)
          ? withField(template, [...parent, key], value ?? null)
          : template;
      }),
  );
}

/** JSON texts that JSON.stringify would never produce: deep nesting, huge literals, escaped lone surrogates. */
const oddJsonText = fc.oneof(
  fc.integer({ min: 1, max: 50_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
  fc.integer({ min: 1, max: 50_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  fc.constantFrom(
    '{"message":1e999999}',
    '{"message":-1e999999,"async":true}',
    '{"message":123456789012345678901234567890123456789}',
    '{"message":"\\ud800"}',
    '{"message":"x","__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"message":"x","message":{"a":1}}',
    "\ufeff{}",
    "{",
    "",
    "null",
    "NaN",
    "[]",
    '"just a string"',
  ),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-16",
  "text/plain",
  "",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
);

export interface FuzzBody {
  contentType: string;
  body: string | Uint8Array;
  /** Sent without a length, in pieces (`transfer-encoding: chunked`): the body cap counts as it streams. */
  chunked?: boolean;
  /** An `Accept` header (SSE turns some doors into streams). */
  accept?: string;
}

const accept = fc.option(fc.constantFrom("text/event-stream", "application/json", "*/*", "text/html"), {
  nil: undefined,
  freq: 3,
});

/** A request body: serialized JSON (mostly), odd JSON text, or raw bytes, under some content type. */
export function fuzzBody(template: Record<string, unknown>): fc.Arbitrary<FuzzBody> {
  const json = (value: fc.Arbitrary<unknown>) =>
    value.map((v) => ({ contentType: "application/json", body: JSON.stringify(v) ?? "null" }));
  const body: fc.Arbitrary<FuzzBody> = fc.oneof(
    { arbitrary: json(nearValid(template)), weight: 4 },
    { arbitrary: json(jsonValue), weight: 2 },
    { arbitrary: fc.record({ contentType, body: oddJsonText }), weight: 2 },
    { arbitrary: fc.record({ contentType, body: fc.uint8Array({ maxLength: 512 }) }), weight: 1 },
    { arbitrary: fc.record({ contentType, body: json(jsonValue).map((b) => b.body) }), weight: 1 },
  );
  return fc
    .tuple(body, fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, fc.constant(true)), accept)
    .map(([b, chunked, acceptHeader]) => ({ ...b, chunked, accept: acceptHeader }));
}
