/**
 * Turns one WebSocket message from a connector into a validated frame, or into the close code and reason the
 * gateway answers with. Each frame is parsed exactly once.
 */
import * as v from "valibot";
import { CloseCode, ConnectorFrame } from "../protocol/index.ts";

export type ParsedFrame = { frame: ConnectorFrame } | { close: number; reason: string };

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
  const parsed = v.safeParse(ConnectorFrame, json);
  if (parsed.success) return { frame: parsed.output };
  const issue = parsed.issues[0];
  const where = issue?.path?.map((p) => String(p.key)).join(".") || "type";
  return { close: CloseCode.protocolError, reason: `invalid frame at ${where}: ${issue?.message}` };
}
