/**
 * Writes of agents' `last_seen`. Those a hello finds stale wait for the next sweep and go out together (when the
 * host has an interval), so a connect wave writes its records in a few journal batches, not one write and sync
 * per hello. A closed socket's is written at once.
 */
import type { AgentService } from "../domain/agents.ts";

export class PresenceWrites {
  readonly #agents: AgentService;
  readonly #batched: boolean;
  readonly #report: (error: unknown, stage: string) => void;
  readonly #waiting = new Set<string>();

  /** `batched`: a sweep comes soon and calls `flush`; without one (Workers) every write goes out at once. */
  constructor(agents: AgentService, batched: boolean, report: (error: unknown, stage: string) => void) {
    this.#agents = agents;
    this.#batched = batched;
    this.#report = report;
  }

  /** A hello found the agent's `last_seen` stale. */
  seenAtHello(agentId: string): void {
    if (this.#batched) this.#waiting.add(agentId);
    else this.#write(agentId);
  }

  /** The agent's socket closed: written now (which also covers a write still waiting). Never rejects. */
  closed(agentId: string): Promise<void> {
    this.#waiting.delete(agentId);
    return this.#write(agentId);
  }

  /** Writes what waits; issued together, so the writes share journal batches. Never rejects. */
  flush(): Promise<void> {
    if (this.#waiting.size === 0) return Promise.resolve();
    const written = [...this.#waiting].map((agentId) => this.#write(agentId));
    this.#waiting.clear();
    return Promise.all(written).then(() => undefined);
  }

  #write(agentId: string): Promise<void> {
    return this.#agents.touch(agentId).catch((error) => this.#report(error, "presence"));
  }
}
