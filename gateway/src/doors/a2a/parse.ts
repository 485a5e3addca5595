/**
 * Reads A2A request parameters (the same objects on both bindings) into what the call service needs, refusing
 * anything we cannot carry with the protocol's own error and a message naming the field.
 */
import { SESSION_ID } from "../../domain/session-claims.ts";
import { A2A_TASK_STATE, TASK_STATES, type TaskState } from "../../domain/tasks.ts";
import { a2aErrors } from "./errors.ts";

export interface PushConfigInput {
  id?: string;
  url: string;
  token?: string;
  authentication?: { scheme: string; credentials?: string };
}

export interface SendInput {
  text: string;
  messageId: string;
  contextId?: string;
  taskId?: string;
  returnImmediately: boolean;
  historyLength?: number;
  push?: PushConfigInput;
}

type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function optionalString(object: Json, field: string, path: string): string | undefined {
  const value = object[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw a2aErrors.invalidParams(`${path}${field} must be a string.`);
  return value;
}

/** `historyLength`: a non-negative integer, or absent. Query strings arrive as text. */
export function historyLengthOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
    throw a2aErrors.invalidParams("historyLength must be a non-negative integer.");
  return n;
}

/** Output modes we can produce: text. A client that accepts none of them cannot read our answers. */
const TEXT_MODES = /^(text\/[\w.+-]+|text\/\*|\*\/\*|application\/json)$/i;

function textOfPart(part: unknown, index: number): string {
  if (!isObject(part)) throw a2aErrors.invalidParams(`message.parts[${index}] must be an object.`);
  const mediaType = typeof part.mediaType === "string" ? part.mediaType : "";
  if (typeof part.text === "string") {
    if (mediaType && !/^text\//i.test(mediaType))
      throw a2aErrors.unsupportedPart(`message.parts[${index}] is a text part of type ${mediaType}.`);
    return part.text;
  }
  if ("data" in part) {
    if (mediaType && !/^application\/([\w.+-]+\+)?json$/i.test(mediaType))
      throw a2aErrors.unsupportedPart(`message.parts[${index}] is a data part of type ${mediaType}.`);
    return JSON.stringify(part.data);
  }
  if ("raw" in part || "url" in part)
    throw a2aErrors.unsupportedPart(`message.parts[${index}] is a file part; files are not carried.`);
  throw a2aErrors.invalidParams(`message.parts[${index}] needs one of text, data, url or raw.`);
}

export function pushConfigOf(value: unknown, path: string): PushConfigInput {
  if (!isObject(value)) throw a2aErrors.invalidParams(`${path} must be an object.`);
  const url = optionalString(value, "url", `${path}.`);
  if (!url) throw a2aErrors.invalidParams(`${path}.url is required.`);
  const config: PushConfigInput = { url, id: optionalString(value, "id", `${path}.`) };
  config.token = optionalString(value, "token", `${path}.`);
  if (value.authentication !== undefined && value.authentication !== null) {
    if (!isObject(value.authentication))
      throw a2aErrors.invalidParams(`${path}.authentication must be an object.`);
    const scheme = optionalString(value.authentication, "scheme", `${path}.authentication.`);
    if (!scheme) throw a2aErrors.invalidParams(`${path}.authentication.scheme is required.`);
    config.authentication = {
      scheme,
      credentials: optionalString(value.authentication, "credentials", `${path}.authentication.`),
    };
  }
  return config;
}

/** A `SendMessageRequest` (`{message, configuration?, metadata?}`). */
export function sendInputOf(params: unknown): SendInput {
  if (!isObject(params)) throw a2aErrors.invalidParams("params must be a SendMessageRequest object.");
  const message = params.message;
  if (!isObject(message)) throw a2aErrors.invalidParams("message is required (a Message object).");
  const messageId = optionalString(message, "messageId", "message.");
  if (!messageId) throw a2aErrors.invalidParams("message.messageId is required.");
  if (message.role !== undefined && message.role !== "ROLE_USER" && message.role !== 1)
    throw a2aErrors.invalidParams('message.role must be "ROLE_USER".');
  if (!Array.isArray(message.parts) || message.parts.length === 0)
    throw a2aErrors.invalidParams("message.parts must hold at least one part.");
  const text = message.parts.map(textOfPart).join("\n\n");
  if (text.trim() === "") throw a2aErrors.invalidParams("message must not be empty.");
  const contextId = optionalString(message, "contextId", "message.");
  if (contextId && !SESSION_ID.test(contextId))
    throw a2aErrors.invalidParams("message.contextId: 1–128 letters, digits, . _ -");
  const input: SendInput = {
    text,
    messageId,
    contextId,
    taskId: optionalString(message, "taskId", "message."),
    returnImmediately: false,
  };
  const configuration = params.configuration;
  if (configuration !== undefined && configuration !== null) {
    if (!isObject(configuration)) throw a2aErrors.invalidParams("configuration must be an object.");
    input.returnImmediately = configuration.returnImmediately === true;
    input.historyLength = historyLengthOf(configuration.historyLength);
    const modes = configuration.acceptedOutputModes;
    if (Array.isArray(modes) && modes.length > 0 && !modes.some((m) => TEXT_MODES.test(String(m))))
      throw a2aErrors.unsupportedPart(`None of the accepted output modes (${modes.join(", ")}) is text.`);
    if (configuration.taskPushNotificationConfig)
      input.push = pushConfigOf(
        configuration.taskPushNotificationConfig,
        "configuration.taskPushNotificationConfig",
      );
  }
  return input;
}

/** `TASK_STATE_WORKING` (or our own `working`) as our state; unknown names are refused. */
export function stateFilterOf(value: unknown): TaskState | undefined {
  if (value === undefined || value === null || value === "" || value === "TASK_STATE_UNSPECIFIED")
    return undefined;
  const state = TASK_STATES.find((s) => A2A_TASK_STATE[s] === value || s === value);
  if (!state)
    throw a2aErrors.invalidParams(
      `status must be one of ${TASK_STATES.map((s) => A2A_TASK_STATE[s]).join(", ")}.`,
    );
  return state;
}
