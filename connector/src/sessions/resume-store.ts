/**
 * Remembers each runtime's own conversation id (Claude session id, Codex thread id, Gemini session id) per
 * (agent, caller, gateway session), persisted under the project's `.agent-mesh/` so a connector restart
 * resumes the conversation. The file is small JSON, replaced atomically (temp file + rename, mode 0600);
 * writes are serialized in-process. Entries are never dropped because a session went idle.
 * @module
 */
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { STATE_DIR } from "../workspace/prepare.ts";

interface Entry {
  resumeId: string;
  updatedAt: number;
}

interface StoreFile {
  version: 1;
  /** Key: JSON array `[agent, clientId, sessionId]` (no separator can collide). */
  entries: Record<string, Entry>;
}

export interface ResumeKey {
  agent: string;
  clientId: string;
  sessionId: string;
}

/** Oldest entries go beyond this many, so the file cannot grow without bound. */
const DEFAULT_MAX_ENTRIES = 10_000;

export class ResumeStore {
  readonly file: string;
  readonly #maxEntries: number;
  #entries: Map<string, Entry> | undefined;
  #loading: Promise<Map<string, Entry>> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(projectDir: string, options: { file?: string; maxEntries?: number } = {}) {
    this.file = options.file ?? join(projectDir, STATE_DIR, "sessions.json");
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  async get(key: ResumeKey): Promise<string | undefined> {
    return (await this.#load()).get(keyOf(key))?.resumeId;
  }

  async set(key: ResumeKey, resumeId: string): Promise<void> {
    const entries = await this.#load();
    const k = keyOf(key);
    if (entries.get(k)?.resumeId === resumeId) return;
    entries.delete(k); // re-insert so Map order stays oldest-first
    entries.set(k, { resumeId, updatedAt: Date.now() });
    while (entries.size > this.#maxEntries) entries.delete(entries.keys().next().value as string);
    await this.#persist();
  }

  async delete(key: ResumeKey): Promise<void> {
    const entries = await this.#load();
    if (entries.delete(keyOf(key))) await this.#persist();
  }

  #load(): Promise<Map<string, Entry>> {
    if (this.#entries) return Promise.resolve(this.#entries);
    this.#loading ??= this.#read().then((entries) => {
      this.#entries = entries;
      return entries;
    });
    return this.#loading;
  }

  async #read(): Promise<Map<string, Entry>> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as StoreFile;
      const list = Object.entries(parsed.entries ?? {}).filter(([, e]) => typeof e?.resumeId === "string");
      return new Map(list.sort((a, b) => a[1].updatedAt - b[1].updatedAt));
    } catch {
      // A damaged file must not stop the connector; keep it aside for a person to inspect.
      await rename(this.file, `${this.file}.corrupt-${Date.now()}`).catch(() => {});
      return new Map();
    }
  }

  #persist(): Promise<void> {
    const next = this.#writing.then(() => this.#write());
    this.#writing = next.catch(() => {});
    return next;
  }

  async #write(): Promise<void> {
    const data: StoreFile = { version: 1, entries: Object.fromEntries(this.#entries ?? []) };
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temp, `${JSON.stringify(data, null, 1)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600); // the mode above is masked by umask
    await rename(temp, this.file);
  }
}

function keyOf(key: ResumeKey): string {
  return JSON.stringify([key.agent, key.clientId, key.sessionId]);
}
