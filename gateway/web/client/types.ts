/** Shapes of the gateway's JSON answers that the page reads. */
import type { PermissionPrompt } from "../../src/protocol/index.ts";

export interface Agent {
  id: string;
  name: string;
  owner: string;
  description: string;
  type: string;
  visibility: "private" | "public";
  capabilities: string[];
  online: boolean;
  /** served: a connector runs each request; interactive: a person's session reads the inbox. */
  mode?: "served" | "interactive" | "offline";
  last_seen: string | null;
}

export interface Attachment {
  name: string;
  size: number;
  url: string;
}

export interface Task {
  task_id: string;
  /** The permission prompt a running turn waits on (the task shows `input-required` meanwhile). */
  prompt?: PermissionPrompt;
  agent?: string;
  agent_id?: string;
  agent_name?: string;
  status: string;
  /** Queued, and offered to the agent's person's session as this ask in its inbox. */
  inbox_ask?: string;
  result?: string;
  error?: { code: string; message: string };
  attachments?: Attachment[];
  session_id?: string;
  message?: string;
  created_at: string;
  updated_at: string;
}
