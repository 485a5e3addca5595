/**
 * What most commands need first: the config, an authenticated API client, and agent refs resolved through the
 * local aliases (a local alias or name maps to the agent id; anything else goes to the gateway as is, where ids
 * and names resolve case-insensitively).
 *
 * A saved alias can go stale: the agent was deleted elsewhere (the HTTP API, the web page, another machine) and
 * perhaps made again under the same name, with a new id. When the gateway answers `agent_not_found` for an id that
 * came from an alias, the client looks the saved name up on the gateway once more and, if an agent of that name is
 * there, repeats the request with its id (a refusal changed nothing, so repeating is safe), telling the person on
 * stderr. If none is, the refusal names the alias, its stale id and the way out.
 * @module
 */
import { type Config, findLocalAgent, gatewaySettings, loadConfig } from "../config.ts";
import { CliError } from "./errors.ts";
import { GatewayApi, type RequestOptions, segment } from "./gateway-api.ts";

export interface Context {
  config: Config;
  api: GatewayApi;
}

/** Ids that `agentRef` took from a saved alias in this process, with that alias and the agent's saved name. */
const savedIds = new Map<string, { alias: string; name: string }>();

export function userContext(): Context {
  const config = loadConfig();
  const { url, token } = gatewaySettings(config);
  return { config, api: new AliasAwareApi(url, token) };
}

/** The ref to send to the gateway for `ref`: a local alias becomes its agent id. */
export function agentRef(config: Config, ref: string): string {
  const found = findLocalAgent(config, ref);
  if (!found) return ref;
  const [alias, agent] = found;
  if (agent.id.toLowerCase() !== ref.toLowerCase()) savedIds.set(agent.id, { alias, name: agent.name });
  return agent.id;
}

/** A GatewayApi that finds an aliased agent again by its name when its saved id is gone from the gateway. */
class AliasAwareApi extends GatewayApi {
  /** Saved id → the id the gateway has under the saved name now, once looked up. */
  readonly #renewed = new Map<string, string>();

  override async fetch(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    try {
      return await super.fetch(method, this.#renew(path), options);
    } catch (error) {
      const stale =
        error instanceof CliError && error.code === "agent_not_found" ? this.#staleIn(path) : null;
      if (!stale) throw error;
      const { alias, name } = savedIds.get(stale)!;
      const now = await this.#lookUp(name);
      if (!now || now === stale)
        throw new CliError(
          "agent_not_found",
          `the agent saved on this machine as \`${alias}\` (${stale}) is gone from the gateway, and no agent named ` +
            `\`${name}\` is there now. Create it again, or give its new id once (\`agent-mesh connect <type> --agent <id>\`) to update the alias.`,
        );
      this.#renewed.set(stale, now);
      process.stderr.write(
        `agent-mesh: the agent saved here as \`${alias}\` (${stale}) is gone from the gateway; using \`${name}\` (${now}) ` +
          `instead. Run \`agent-mesh connect <type> --agent ${now}\` to update the alias.\n`,
      );
      return super.fetch(method, this.#renew(path), options);
    }
  }

  /** The saved id (taken from an alias and not yet renewed) that `path` names, if any. */
  #staleIn(path: string): string | null {
    for (const id of savedIds.keys())
      if (!this.#renewed.has(id) && path.includes(`/${segment(id)}`)) return id;
    return null;
  }

  #renew(path: string): string {
    let renewed = path;
    for (const [old, now] of this.#renewed)
      renewed = renewed.split(`/${segment(old)}`).join(`/${segment(now)}`);
    return renewed;
  }

  async #lookUp(name: string): Promise<string | null> {
    try {
      const res = await super.fetch("GET", `/v1/agents/${segment(name)}`);
      return ((await res.json()) as { id?: string }).id ?? null;
    } catch {
      // Not found (or not visible) under its name either: the caller says the alias is stale.
      return null;
    }
  }
}
