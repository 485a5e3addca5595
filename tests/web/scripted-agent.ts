/**
 * The agent the browser talks to: the real protocol client (connector/src/client) with a handler scripted by the
 * message, so each test can ask for the reply it needs (a slow Markdown stream, a hostile reply, a file, a reply
 * that only ends when canceled, thinking and tool calls).
 */
import type { Handler } from "../helpers/fixtures.ts";
import { sleep } from "../helpers/wait.ts";

export const MARKDOWN_REPLY = [
  "## Plan\n\n",
  "Here is **bold** and `inline code`, not emphasis: snake_case_name, file_name_.txt, 2*3*4.\n\n",
  "- first item\n",
  "- second item\n\n",
  "```ts\nconst answer = 42;\n```\n\n",
  "Done — see [the docs](https://example.com/docs).",
];

export const HOSTILE_REPLY = [
  '<script>window.__pwned = "script"</script>',
  "\n\n[click me](javascript:window.__pwned='link')",
  "\n\n<img src=x onerror=\"window.__pwned='img'\">",
  "\n\n[data](data:text/html,<script>alert(1)</script>) and ![pic](javascript:alert(1))",
].join("");

export interface ScriptedAgentState {
  canceled: string[];
}

export function scriptedHandler(
  gatewayUrl: string,
  token: string,
  agentId: string,
  state: ScriptedAgentState,
): Handler {
  return async (request, reply) => {
    const message = request.message.trim();
    if (message === "stream") {
      // Token by token, slowly enough that the page shows partial replies.
      for (const part of MARKDOWN_REPLY) {
        for (const word of part.split(/(?<= )/)) {
          reply.chunk(word);
          await sleep(25);
        }
      }
      return reply.done(MARKDOWN_REPLY.join(""));
    }
    if (message === "long") {
      // A long reply: 400 paragraphs in 2,000 chunks, fast.
      for (let i = 1; i <= 400; i++) {
        for (const part of [`Paragraph ${i} `, "has **some** ", "`code` and ", "words.", "\n\n"])
          reply.chunk(part);
        if (i % 20 === 0) await sleep(10);
      }
      return reply.done("(long)");
    }
    if (message === "ask") {
      // Asks the caller before writing a file, then says what they decided.
      const answer = await reply.ask({ prompt_id: "w1", tool: "Write", summary: "Write notes.md (3 lines)" });
      return reply.done(`The caller said ${answer.decision}.`);
    }
    if (message === "ask-unanswered") {
      // Asks, hears nothing, and gives up as the connector does on its timeout: withdraws the prompt and denies.
      void reply.ask({ prompt_id: "w2", tool: "Write", summary: "Write late.md (1 line)" });
      await sleep(300);
      const line = "No answer to the permission prompt for Write within 1 s: denied.";
      reply.withdraw({ prompt_id: "w2", reason: "timeout", message: line });
      reply.chunk(line, "status");
      return reply.done("Denied: nobody answered.");
    }
    if (message === "question") {
      // The turn ends with a question: the task waits on its caller, whose reply runs the next turn.
      return reply.done("For how many?", { inputRequired: true });
    }
    if (message === "hostile") {
      reply.chunk(HOSTILE_REPLY);
      return reply.done(HOSTILE_REPLY);
    }
    if (message === "slow") {
      reply.signal.addEventListener("abort", () => state.canceled.push(request.id), { once: true });
      let n = 0;
      while (!reply.signal.aborted && n < 600) {
        reply.chunk(`tick ${++n} `);
        await sleep(50);
      }
      return;
    }
    if (message === "tools") {
      reply.chunk("Let me look at the files.", "thinking");
      reply.chunk("read_file README.md", "tool_start");
      reply.chunk("# Agent Mesh …", "tool_result");
      reply.chunk("Reading done", "status");
      reply.chunk("The README starts with a title.");
      return reply.done("The README starts with a title.");
    }
    if (message === "file") {
      const body = "quarterly numbers\n";
      const res = await fetch(`${gatewayUrl}/v1/attachments/${request.id}/report.txt?agent=${agentId}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}` },
        body,
      });
      if (!res.ok) return reply.error("upload_failed", await res.text());
      reply.chunk("Your report is attached.");
      return reply.done("Your report is attached.", {
        attachments: [{ name: "report.txt", size: body.length, url: "" }],
      });
    }
    reply.chunk(`echo: ${message}`);
    reply.done(`echo: ${message}`);
  };
}
