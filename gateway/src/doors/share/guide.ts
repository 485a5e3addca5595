/**
 * The Markdown a share link answers on `GET`: an agents.md-style page that teaches a model (or a person) to call
 * the agent with plain HTTPS, every example carrying the full URL.
 */
import type { RateLimit } from "../../config.ts";
import type { AgentRecord } from "../../domain/agents.ts";
import type { ShareRecord } from "./shares.ts";

export function shareGuide(
  base: string,
  agent: AgentRecord,
  share: ShareRecord,
  rate: RateLimit | null,
): string {
  const caps = agent.capabilities.length > 0 ? agent.capabilities.join(", ") : "none listed";
  const limit = rate ? `${rate.limit} requests per ${rate.windowSeconds} s` : "none";
  const person = share.sessions
    ? `
If the agent is a person's interactive session, your message is asked in its inbox and the person's reply is
the answer (with an empty \`session_id\`: each such question stands alone).`
    : "";
  return `# Agent \`${agent.name}\` (Agent Mesh share link)

${agent.description || "No description given."}

- Capabilities: ${caps}
- This link works until ${share.expires_at} unless its owner revokes it first. Keep it private: whoever has it
  can call this agent (and only this agent).
- Rate limit: ${limit}. Over it you get HTTP 429 \`rate_limited\` with a \`Retry-After\` header (seconds).
- No headers or tokens are needed: the link is the credential.

## Ask and wait for the answer (JSON)

\`\`\`bash
curl -s -X POST '${base}messages' \\
  -H 'content-type: application/json' \\
  -d '{"message": "Hello! What can you do?"}'
\`\`\`

Answer: \`{"result": "<the agent's reply>", "session_id": "<id>", "attachments": [{"name", "size", "url"}]}\`.
The call waits up to a few minutes; for longer work use the async form below.${person}

## Stream the answer as it is written (SSE)

\`\`\`bash
curl -sN -X POST '${base}messages' \\
  -H 'content-type: application/json' -H 'accept: text/event-stream' \\
  -d '{"message": "Hello!"}'
\`\`\`

Events: \`chunk\` (\`{"seq", "delta", "kind"}\`, \`kind\` is text, thinking, tool_start, tool_result or status),
then one \`done\` (\`{"result", "session_id", "attachments"}\`) or \`error\` (\`{"code", "message"}\`).

## Continue a conversation

Send the \`session_id\` of an earlier answer with the next message; the agent then remembers the conversation:

\`\`\`bash
curl -s -X POST '${base}messages' \\
  -H 'content-type: application/json' \\
  -d '{"message": "And in more detail?", "session_id": "<session_id from the previous answer>"}'
\`\`\`

Sessions belong to this link: anyone holding it can continue them.

## Hand over long work (async task)

\`\`\`bash
curl -s -X POST '${base}messages' \\
  -H 'content-type: application/json' \\
  -d '{"message": "Write a long report", "async": true}'
# → 202 {"task_id": "<id>", "status": "submitted", ...}; then poll:
curl -s '${base}tasks/<task_id>'
\`\`\`

A task's \`status\` moves from submitted / working to completed (with \`result\`), failed (with \`error\`),
canceled, or input-required (the agent asks something back; send a new message with the same \`session_id\`).

## Use it from an MCP client

The same agent as MCP tools (\`ask_agent\`, \`send_message\`, \`get_task\`, …), no headers needed:

\`\`\`bash
claude mcp add --transport http ${agent.name} '${base}mcp'
\`\`\`

Claude Desktop or claude.ai: add \`${base}mcp\` as a custom connector.

## Errors

Every error is \`{"error": {"code": "<snake_case>", "message": "<what to do>"}}\`: \`agent_offline\` (503, the
agent is not connected: retry later or use \`"async": true\`), \`agent_busy\` (429), \`agent_timeout\` (504),
${share.sessions ? "`ask_timeout` (504, a person did not reply in time; the question stays in their inbox),\n" : ""}\`rate_limited\` (429), \`share_expired\` / \`share_revoked\` (410: ask the owner for a new link),
\`invalid_request\` (400, the message says which field).
`;
}
