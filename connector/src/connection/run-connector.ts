/**
 * A connected agent: the reconnecting protocol client feeding requests to the local runtime (queue → workspace
 * → adapter), uploading the files the agent wrote before `done`, printing one status line per event, and
 * keeping `run/<alias>.pid` / `run/<alias>.json` current for `list`, `status` and `stop`. Resolves when stopped
 * by a signal; rejects with a CliError when the gateway refuses for good (revoked, deleted, replaced…).
 * @module
 */

import { type ConnectorState, clearRunFiles, writePid, writeState } from "../background/process-state.ts";
import { AgentClient, type ClientStatus } from "../client/agent-client.ts";
import { type AgentRuntime, runAgentRequest } from "../runtime/run-request.ts";
import { VERSION } from "../version.ts";
import { refusalError } from "./close-reasons.ts";
import { uploadAttachments } from "./upload-attachments.ts";

export interface ConnectorOptions {
  url: string;
  token: string;
  /** Agent id to announce; omitted with an agent credential (it names its agent). */
  agent?: string;
  alias: string;
  agentName: string;
  type: string;
  runtime: AgentRuntime;
  /** Where status lines go (stdout for a foreground connector, the log file in the background). */
  log: (line: string) => void;
  /** Where the per-request lines go (batched); `log` when not given. */
  logRequest?: (line: string) => void;
}

/** How often the state file is refreshed while requests come and go. */
const STATE_EVERY_MS = 1_000;

export async function runConnector(options: ConnectorOptions): Promise<void> {
  const { runtime, log } = options;
  const logRequest = options.logRequest ?? log;
  const startedAt = new Date().toISOString();
  let connected = false;
  let lastStatus = "connecting";
  let client!: AgentClient;
  let written = "";
  const saveState = () => {
    const state: ConnectorState = {
      pid: process.pid,
      alias: options.alias,
      agent_id: runtime.agent,
      agent_name: options.agentName,
      type: options.type,
      url: options.url,
      connected,
      active_requests: client?.activeRequests ?? 0,
      started_at: startedAt,
      updated_at: new Date().toISOString(),
      last_status: lastStatus,
    };
    // A file write (and rename) blocks the event loop for a while on a busy disk: only when something changed.
    const content = JSON.stringify({ ...state, updated_at: undefined });
    if (content === written) return;
    written = content;
    writeState(state);
  };

  writePid(options.alias, process.pid);
  saveState();
  const timer = setInterval(saveState, STATE_EVERY_MS);

  try {
    await new Promise<void>((resolve, reject) => {
      const onStatus = (status: ClientStatus) => {
        lastStatus = describe(status, options.url);
        connected = status.type === "connected";
        log(lastStatus);
        saveState();
        if (status.type === "stopped") reject(refusalError(status.code, status.reason, options.agentName));
      };
      client = new AgentClient({
        url: options.url,
        token: options.token,
        agent: options.agent,
        maxInflight: runtime.maxInflight,
        client: { name: "agent-mesh", version: VERSION, adapter: options.type },
        onStatus,
        onOutputLost: ({ id, after, next }) =>
          log(
            `request ${id}: its output's frames ${after + 1}–${next - 1} never reached the gateway (the link dropped ` +
              "with more on the way than this connector keeps to send again); its callers are told, and the result is whole",
          ),
        onRequest: (request, reply) => {
          const started = Date.now();
          logRequest(
            `request ${request.id} from client ${request.client_id.slice(0, 8)}… (session ${request.session_id})`,
          );
          void runAgentRequest(
            runtime,
            request,
            {
              onChunk: (kind, delta) => reply.chunk(delta, kind),
              onPermission: (prompt) => {
                log(
                  `request ${request.id} asks its caller about ${prompt.tool} (prompt ${prompt.prompt_id})`,
                );
                return reply.ask(prompt);
              },
              onPermissionWithdrawn: (withdrawal) => {
                log(
                  `request ${request.id}: no answer to prompt ${withdrawal.prompt_id} in time, denied (${withdrawal.reason})`,
                );
                reply.withdraw(withdrawal);
              },
              onDone: async (result, files) => {
                const attachments = await uploadAttachments(
                  { url: options.url, token: options.token, agentId: options.agent },
                  request.id,
                  files,
                  (text) => reply.chunk(text, "status"),
                );
                reply.done(result, { attachments });
                logRequest(
                  `request ${request.id} done in ${Date.now() - started} ms (${attachments.length} file(s))`,
                );
              },
              onError: (code, message) => {
                reply.error(code, message);
                logRequest(`request ${request.id} failed: ${code}: ${message.split("\n")[0]}`);
              },
            },
            reply.signal,
          );
          // The state file (active requests) is refreshed by the timer: a file write per request would cost
          // more than the rest of the connector's work on it.
        },
      });
      const stop = (signal: string) => {
        log(`received ${signal}; disconnecting`);
        client.stop();
        resolve();
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
      // The first refusal also rejects start(); onStatus("stopped") has already turned it into a CliError.
      client.start().catch(() => {});
    });
  } finally {
    clearInterval(timer);
    clearRunFiles(options.alias, process.pid);
  }
}

function describe(status: ClientStatus, url: string): string {
  switch (status.type) {
    case "connecting":
      return status.attempt === 0 ? `connecting to ${url}` : `reconnecting (attempt ${status.attempt + 1})`;
    case "connected":
      return `connected as ${status.welcome.agent.name} (${status.welcome.agent.id}); waiting for requests`;
    case "disconnected":
      if (status.refusal)
        return `not let in (${status.refusal}); retrying in ${(status.retryInMs / 1000).toFixed(1)} s`;
      return `disconnected (${status.code}${status.reason ? ` ${status.reason}` : ""}); retrying in ${(status.retryInMs / 1000).toFixed(1)} s`;
    case "stopped":
      return `refused by the gateway (${status.code}${status.reason ? ` ${status.reason}` : ""}); stopping`;
  }
}
