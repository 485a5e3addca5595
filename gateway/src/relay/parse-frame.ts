/**
 * Turns one WebSocket message from a connector into a validated frame, or into the close code and reason the
 * gateway answers with. Each frame is parsed exactly once.
 *
 * The schema is picked by `type` from a table instead of `v.variant`: a variant tries the options in order and
 * builds a full issue object for every option whose `type` does not match, which made a ping (the last option)
 * cost four throw-away issues and every chunk one. The accepted frames and the error messages are the same.
 */
import * as v from "valibot";
import {
  CHUNK_KINDS,
  ChunkFrame,
  CloseCode,
  type ConnectorFrame,
  DoneFrame,
  ErrorFrame,
  HelloFrame,
  PingFrame,
} from "../protocol/index.ts";

export type ParsedFrame = { frame: ConnectorFrame } | { close: number; reason: string };

const SCHEMA_BY_TYPE = new Map<unknown, v.GenericSchema<unknown, ConnectorFrame>>([
  ["hello", HelloFrame],
  ["chunk", ChunkFrame],
  ["done", DoneFrame],
  ["error", ErrorFrame],
  ["ping", PingFrame],
]);
const TYPES = `(${[...SCHEMA_BY_TYPE.keys()].map((type) => `"${type}"`).join(" | ")})`;

/** How valibot prints a received value in its messages. */
const describe = (value: unknown): string =>
  typeof value === "string"
    ? `"${value}"`
    : value === undefined || typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : typeof value;

const CHUNK_KIND_SET: ReadonlySet<unknown> = new Set(CHUNK_KINDS);

/**
 * The chunk rules of `ChunkFrame` written out, for the one frame that comes thousands of times a second. A frame
 * that fails them goes through valibot, which gives the same verdict with its message; unknown keys are ignored
 * here as valibot's `object` ignores them.
 */
function isValidChunk(frame: { id?: unknown; seq?: unknown; delta?: unknown; kind?: unknown }): boolean {
  const { id, seq, delta, kind } = frame;
  return (
    typeof id === "string" &&
    id.length >= 1 &&
    id.length <= 128 &&
    typeof seq === "number" &&
    Number.isInteger(seq) &&
    seq >= 1 &&
    typeof delta === "string" &&
    (kind === undefined || CHUNK_KIND_SET.has(kind))
  );
}

/**
 * The done rules of `DoneFrame` written out for the common ending: no attachments (those go through valibot, which
 * checks each one). Like valibot's output, the frame handed on carries only the schema's keys.
 */
function validDone(frame: {
  id?: unknown;
  seq?: unknown;
  result?: unknown;
  attachments?: unknown;
  input_required?: unknown;
}): DoneFrame | null {
  const { id, seq, result, attachments, input_required } = frame;
  if (
    typeof id !== "string" ||
    id.length < 1 ||
    id.length > 128 ||
    typeof seq !== "number" ||
    !Number.isInteger(seq) ||
    seq < 1 ||
    typeof result !== "string" ||
    attachments !== undefined ||
    (input_required !== undefined && typeof input_required !== "boolean")
  )
    return null;
  return input_required === undefined
    ? { type: "done", id, seq, result }
    : { type: "done", id, seq, result, input_required };
}

export function parseConnectorFrame(data: unknown, maxFrameBytes: number): ParsedFrame {
  if (typeof data !== "string") return { close: CloseCode.protocolError, reason: "frames must be JSON text" };
  if (data.length > maxFrameBytes)
    return { close: CloseCode.tooBig, reason: `frame larger than ${maxFrameBytes} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { close: CloseCode.protocolError, reason: "malformed JSON" };
  }
  const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  if (type === "chunk" && isValidChunk(json as object)) return { frame: json as ConnectorFrame };
  if (type === "done") {
    const done = validDone(json as object);
    if (done !== null) return { frame: done };
  }
  const schema = SCHEMA_BY_TYPE.get(type);
  if (schema === undefined) {
    return {
      close: CloseCode.protocolError,
      reason: `invalid frame at type: Invalid type: Expected ${TYPES} but received ${describe(type)}`,
    };
  }
  const parsed = v.safeParse(schema, json);
  if (parsed.success) return { frame: parsed.output };
  const issue = parsed.issues[0];
  const where = issue?.path?.map((p) => String(p.key)).join(".") || "type";
  return { close: CloseCode.protocolError, reason: `invalid frame at ${where}: ${issue?.message}` };
}
