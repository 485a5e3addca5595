/**
 * A2A push notifications. Configs are kept beside their task (task data `a2a-push`); the notifier hangs on the
 * runner's `onTaskChange`, so it fires wherever the task runs (a Durable Object on Workers too), and POSTs the
 * same `StreamResponse` objects a stream would carry, with the config's own credentials. Webhook URLs follow the
 * `callback_url` rules: http(s) only, and no private or loopback hosts unless AGENT_MESH_ALLOW_PRIVATE_CALLBACKS.
 */
import type { GatewayConfig } from "../../config.ts";
import type { TaskRecord, TaskService } from "../../domain/tasks.ts";
import { isPrivateHost } from "../../util/private-address.ts";
import { A2aError, a2aErrors } from "./errors.ts";
import type { PushConfigInput } from "./parse.ts";
import { lastChunkEvent, statusEvent } from "./wire.ts";

export const PUSH_DATA = "a2a-push";
/** Most webhooks one task may have. */
export const MAX_PUSH_CONFIGS = 10;

export interface PushConfig extends PushConfigInput {
  id: string;
  taskId: string;
}

/** A config as the A2A `TaskPushNotificationConfig` object. */
export function pushConfigToWire(config: PushConfig) {
  const wire: Record<string, unknown> = { id: config.id, taskId: config.taskId, url: config.url };
  if (config.token) wire.token = config.token;
  if (config.authentication) wire.authentication = config.authentication;
  return wire;
}

/** Checks a webhook URL like `callback_url`; returns the config to store. */
export function checkedPushConfig(input: PushConfigInput, taskId: string, config: GatewayConfig): PushConfig {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw a2aErrors.invalidParams("The push notification url is not a valid URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw a2aErrors.invalidParams("The push notification url must be http(s).");
  if (input.url.length > 2048)
    throw a2aErrors.invalidParams("The push notification url is longer than 2048.");
  if (!config.allowPrivateCallbacks && isPrivateHost(url)) {
    throw new A2aError(
      "InvalidParams",
      "callback_url_forbidden",
      "The push notification url points at a loopback or private address; the gateway operator can allow that with AGENT_MESH_ALLOW_PRIVATE_CALLBACKS=1.",
    );
  }
  if (input.id !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(input.id))
    throw a2aErrors.invalidParams("A push notification config id is 1–64 letters, digits, . _ -");
  return { ...input, id: input.id ?? crypto.randomUUID(), taskId };
}

/** The events a state change produces, in order. */
function eventsFor(task: TaskRecord): unknown[] {
  const events: unknown[] = [];
  if (task.status === "completed") {
    const last = lastChunkEvent(task, "", false);
    if (last) events.push(last);
  }
  events.push(statusEvent(task));
  return events;
}

/**
 * The `onTaskChange` hook: posts each change of a task with push configs to every webhook, in order, retrying
 * a failed POST a few times (at least once delivery; the receiver may see a duplicate).
 */
export function createA2aPushNotifier(options: {
  tasks: Pick<TaskService, "data">;
  onError: (error: unknown, context: { stage: string }) => void;
  retryMs?: number[];
}) {
  const retryDelays = options.retryMs ?? [500, 2000, 10_000];
  /** Per task, notifications go out one change after the other. */
  const chains = new Map<string, Promise<void>>();

  async function post(config: PushConfig, body: string): Promise<void> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (config.authentication?.credentials)
      headers.authorization = `${config.authentication.scheme} ${config.authentication.credentials}`;
    if (config.token) headers["x-a2a-notification-token"] = config.token;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(config.url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // Unreachable webhook: retried below, then given up (the task stays readable with GetTask).
      }
      const delay = retryDelays[attempt];
      if (delay === undefined) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    options.onError(new Error(`push notification to ${config.url} failed`), { stage: "a2a-push" });
  }

  async function deliver(task: TaskRecord): Promise<void> {
    const configs = await options.tasks.data<PushConfig[]>(task.id, PUSH_DATA);
    if (!configs || configs.length === 0) return;
    for (const event of eventsFor(task)) {
      const body = JSON.stringify(event);
      await Promise.all(configs.map((config) => post(config, body)));
    }
  }

  return function notify(task: TaskRecord): Promise<void> {
    const previous = chains.get(task.id) ?? Promise.resolve();
    const next = previous
      .then(() => deliver(task))
      .catch((error) => options.onError(error, { stage: "a2a-push" }));
    chains.set(task.id, next);
    void next.then(() => {
      if (chains.get(task.id) === next) chains.delete(task.id);
    });
    return next;
  };
}
