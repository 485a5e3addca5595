/** Users, agents and connected test agents (the real protocol client from connector/) for gateway tests. */
import {
  AgentClient,
  type ClientStatus,
  type OutputLost,
  type RequestReply,
} from "../../connector/src/client/agent-client.ts";
import type { AgentRecord } from "../../gateway/src/domain/agents.ts";
import type { RequestFrame } from "../../gateway/src/protocol/index.ts";
import { type ApiClient, apiClient, type JsonResponse } from "./api.ts";

export async function createUser(url: string, adminToken: string, name: string) {
  const admin = apiClient(url, adminToken);
  const res = await admin.post("/v1/tokens", { name });
  if (res.status !== 201) throw new Error(`cannot create user ${name}: ${JSON.stringify(res.body)}`);
  return { ...res.body, api: apiClient(url, res.body.token) } as {
    id: string;
    name: string;
    token: string;
    api: ApiClient;
  };
}

let counter = 0;
export async function createAgent(api: ApiClient, fields: Record<string, unknown> = {}) {
  const res = await api.post("/v1/agents", {
    name: `agent-${Date.now().toString(36)}-${counter++}`,
    ...fields,
  });
  if (res.status !== 201) throw new Error(`cannot create agent: ${JSON.stringify(res.body)}`);
  return res.body as { id: string; name: string };
}

/** Every item a paged listing (`GET /v1/agents`, `/v1/tokens`) gives `api` for `query`, `limit` a page. */
async function everyPage<T>(
  api: ApiClient,
  listing: "agents" | "tokens",
  query: Record<string, string>,
  limit: number,
): Promise<T[]> {
  const items: T[] = [];
  const params = new URLSearchParams({ ...query, limit: String(limit) });
  for (;;) {
    const res = await api.get(`/v1/${listing}?${params}`);
    if (res.status !== 200) throw new Error(`cannot list ${listing}: ${JSON.stringify(res.body)}`);
    items.push(...res.body[listing]);
    if (res.body.next_cursor === null) return items;
    params.set("cursor", res.body.next_cursor);
  }
}

/** Every agent `GET /v1/agents` lists to `api` for `query`, following the pages (`limit` at a time). */
export const listAllAgents = (api: ApiClient, query: Record<string, string> = {}, limit = 1000) =>
  everyPage<{ id: string; name: string; owner: string; visibility: string; online: boolean }>(
    api,
    "agents",
    query,
    limit,
  );

/** Every token `GET /v1/tokens` lists to an admin's `api`, following the pages. */
export const listAllTokens = (api: ApiClient, query: Record<string, string> = {}, limit = 1000) =>
  everyPage<{ id: string; name: string; kind: string; revoked_at: string | null }>(
    api,
    "tokens",
    query,
    limit,
  );

export type Handler = (request: RequestFrame, reply: RequestReply) => void | Promise<void>;

/** Echo: streams the message back in one chunk and finishes with it. */
export const echo: Handler = (request, reply) => {
  reply.chunk(request.message);
  reply.done(request.message);
};

export interface TestAgent {
  client: AgentClient;
  statuses: ClientStatus[];
  requests: RequestFrame[];
  /** Output the client found lost after a reconnect (`onOutputLost`). */
  lost: OutputLost[];
  /** Stops the client, saying goodbye (close 1000): the gateway ends its requests at once. */
  stop(): void;
  /** Gone without a goodbye, as a crashed process or a cut network: the gateway waits out its grace window. */
  vanish(): void;
}

/**
 * An echo agent's protocol client, not started: for tests that watch it being refused and retrying (`start()`
 * resolves only once it is let in). Its statuses go to `statuses` when given.
 */
export function echoClient(
  url: string,
  token: string,
  agent: string,
  options: { statuses?: ClientStatus[]; backoff?: { initialMs: number; maxMs: number } } = {},
): AgentClient {
  return new AgentClient({
    url,
    token,
    agent,
    backoff: options.backoff ?? { initialMs: 50, maxMs: 200 },
    onStatus: options.statuses ? (status) => options.statuses!.push(status) : undefined,
    onRequest: echo,
  });
}

export async function connectAgent(
  url: string,
  token: string,
  agent: string | undefined,
  handler: Handler = echo,
  options: { maxInflight?: number } = {},
): Promise<TestAgent> {
  const statuses: ClientStatus[] = [];
  const requests: RequestFrame[] = [];
  const lost: OutputLost[] = [];
  const client = new AgentClient({
    url,
    token,
    agent,
    maxInflight: options.maxInflight,
    backoff: { initialMs: 50, maxMs: 300 },
    onStatus: (status) => statuses.push(status),
    onOutputLost: (output) => lost.push(output),
    onRequest: (request, reply) => {
      requests.push(request);
      Promise.resolve(handler(request, reply)).catch((error) => reply.error("test_handler", String(error)));
    },
  });
  await client.start();
  const vanish = () => {
    client.dropConnection(); // the socket is destroyed first, so the stop that follows sends no close frame
    client.stop();
  };
  return { client, statuses, requests, lost, stop: () => client.stop(), vanish };
}

/**
 * Queues durable tasks of `message` to `agent` until the gateway refuses one (or `max` were accepted), `batch` at a
 * time: the ids of the accepted tasks and the first refusal.
 */
export async function queueUntilRefused(
  api: ApiClient,
  agent: string,
  message: string,
  options: { batch?: number; max?: number } = {},
): Promise<{ accepted: string[]; refused: JsonResponse | undefined }> {
  const accepted: string[] = [];
  let refused: JsonResponse | undefined;
  while (refused === undefined && accepted.length < (options.max ?? 400)) {
    const answers = await Promise.all(
      Array.from({ length: options.batch ?? 1 }, () =>
        api.post(`/v1/agents/${agent}/messages`, { message, async: true }),
      ),
    );
    for (const res of answers) {
      if (res.status === 202) accepted.push(res.body.task_id);
      else refused ??= res;
    }
  }
  return { accepted, refused };
}

/**
 * An agent record as the store holds it, for tests that write one straight into a store (as another node or an
 * older version left it): private, no capabilities, never seen, unless `fields` says otherwise.
 */
export function agentRecord(
  fields: Pick<AgentRecord, "id" | "name" | "owner"> & Partial<AgentRecord>,
): AgentRecord {
  const now = new Date().toISOString();
  return {
    description: "",
    type: "exec",
    visibility: "private",
    capabilities: [],
    created_at: now,
    updated_at: now,
    last_seen: null,
    ...fields,
  };
}
