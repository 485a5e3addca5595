/**
 * One line a person can judge a tool use by (the `summary` of a permission prompt): the file a write touches,
 * the command a shell runs, the URL a fetch opens. Unknown tools show their input, shortened.
 * @module
 */

const MAX_SUMMARY = 1_000;

export function summarizeToolUse(tool: string, input: Record<string, unknown>): string {
  const text = (key: string) => (typeof input[key] === "string" ? (input[key] as string) : undefined);
  let line: string;
  if (tool === "Write" && text("file_path")) {
    line = `Write ${text("file_path")} (${lineCount(text("content") ?? "")} lines)`;
  } else if ((tool === "Edit" || tool === "MultiEdit" || tool === "NotebookEdit") && text("file_path")) {
    line = `${tool} ${text("file_path")}`;
  } else if (tool === "Bash" && text("command")) {
    line = `Run: ${text("command")}`;
  } else if (tool === "WebFetch" && text("url")) {
    line = `Fetch ${text("url")}`;
  } else {
    line = `${tool} ${JSON.stringify(input)}`;
  }
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

function lineCount(content: string): number {
  if (!content) return 0;
  return content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
}
