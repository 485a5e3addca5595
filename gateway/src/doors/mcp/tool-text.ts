/**
 * What the mesh tools (tools.ts) answer, as text a model reads directly: an agent list line, an answer with its
 * session id and attachment links, a task, inbox messages, a refusal's `code: message`.
 */
import type {
  MeshAgent,
  MeshAnswer,
  MeshAttachment,
  MeshDelivery,
  MeshInboxMessage,
  MeshTask,
} from "./mesh.ts";
import type { ToolText } from "./tools.ts";

export const text = (value: string): ToolText => ({ content: [{ type: "text", text: value }] });

export function agentLine(agent: MeshAgent): string {
  const caps = agent.capabilities.length > 0 ? ` [${agent.capabilities.join(", ")}]` : "";
  const description = agent.description ? ` — ${agent.description}` : "";
  return `- ${agent.name} (${agent.online ? "online" : "offline"})${caps}${description}`;
}

function attachmentLines(attachments: MeshAttachment[]): string[] {
  return attachments.map((a) => `- [${a.name}](${a.url}) (${a.size} bytes)`);
}

export function answerText(answer: MeshAnswer): ToolText {
  const meta = [
    `agent: ${answer.agent}`,
    // A person's session answers an ask from its inbox: no conversation to continue, so no empty id to pass.
    answer.session_id
      ? `session_id: ${answer.session_id} (pass it to continue this conversation)`
      : "session_id: none (a person answered from the agent's inbox; each ask stands alone)",
  ];
  if (answer.attachments.length > 0) meta.push("attachments:", ...attachmentLines(answer.attachments));
  return {
    content: [
      { type: "text", text: answer.text },
      { type: "text", text: meta.join("\n") },
    ],
  };
}

export function sentText(sent: MeshTask | MeshDelivery): ToolText {
  if ("task_id" in sent) return taskText(sent);
  return text(
    `Left in ${sent.agent}'s inbox (message_id ${sent.message_id}): ${sent.agent} is a person's interactive ` +
      "session and reads it in its own time; its answer, if any, comes to your inbox (check_messages).",
  );
}

export function taskText(task: MeshTask): ToolText {
  const lines = [`task_id: ${task.task_id}`, `agent: ${task.agent}`, `status: ${task.status}`];
  lines.push(`session_id: ${task.session_id}`);
  if (task.error) lines.push(`error: ${task.error.code}: ${task.error.message}`);
  if (task.attachments.length > 0) lines.push("attachments:", ...attachmentLines(task.attachments));
  if (task.result !== undefined) lines.push("result:", task.result);
  return text(lines.join("\n"));
}

export function inboxLines(messages: MeshInboxMessage[]): string {
  return messages
    .map((m) => {
      const head = [`- id: ${m.id}`, `  kind: ${m.kind}`, `  from: ${m.from}`, `  at: ${m.created_at}`];
      if (m.in_reply_to) head.push(`  in_reply_to: ${m.in_reply_to}`);
      if (m.task_id) head.push(`  task: ${m.task_id} (your reply is its result)`);
      if (m.deliveries > 1) head.push(`  delivered: ${m.deliveries} times (not acknowledged before)`);
      return [...head, "  text: |", ...m.text.split("\n").map((line) => `    ${line}`)].join("\n");
    })
    .join("\n");
}

/**
 * `code: message` of a refusal, or a generic line for anything unexpected (details stay in the logs). The relay's
 * messages give HTTP callers their way out (`"async": true`); here it is the tool that queues.
 */
export function errorLine(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") {
    const message = (error as unknown as Error).message.replaceAll('with "async": true', "with send_message");
    return `${error.code}: ${message}`;
  }
  return "internal_error: the mesh hit an unexpected error";
}
