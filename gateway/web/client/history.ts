/**
 * Earlier chat sessions, kept in this browser (`localStorage`, per user and agent): the session id lets the
 * gateway continue the conversation; the transcript lets the page show it again.
 */
export interface SavedSession {
  id: string;
  title: string;
  at: string;
}

export interface Turn {
  role: "user" | "agent";
  text: string;
}

const MAX_SESSIONS = 30;
const listKey = (user: string, agentId: string) => `agent-mesh.sessions.${user}.${agentId}`;
const turnsKey = (sessionId: string) => `agent-mesh.transcript.${sessionId}`;

function read<T>(key: string, fallback: T): T {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? "null") as T) ?? fallback;
  } catch {
    return fallback;
  }
}

export function sessionsOf(user: string, agentId: string): SavedSession[] {
  return read<SavedSession[]>(listKey(user, agentId), []);
}

export function transcript(sessionId: string): Turn[] {
  return read<Turn[]>(turnsKey(sessionId), []);
}

export function saveTurns(user: string, agentId: string, sessionId: string, turns: Turn[]): void {
  try {
    localStorage.setItem(turnsKey(sessionId), JSON.stringify(turns.slice(-200)));
    const title = turns.find((t) => t.role === "user")?.text.slice(0, 60) ?? sessionId;
    const list = sessionsOf(user, agentId).filter((s) => s.id !== sessionId);
    list.unshift({ id: sessionId, title, at: new Date().toISOString() });
    for (const old of list.splice(MAX_SESSIONS)) localStorage.removeItem(turnsKey(old.id));
    localStorage.setItem(listKey(user, agentId), JSON.stringify(list));
  } catch {
    // Storage full or refused: the chat still works, it just will not be listed later.
  }
}
