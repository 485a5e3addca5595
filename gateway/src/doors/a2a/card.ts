/**
 * The A2A v1.0 agent card of one mesh agent, built from its record: name, description, its capabilities as
 * skills, and both bindings at the agent's own base URL.
 */
import type { AgentRecord } from "../../domain/agents.ts";
import { sha256Hex } from "../../util/crypto.ts";
import { VERSION } from "../../version.ts";

/** `{origin}/a2a/{name}/`: the trailing slash matters, clients resolve the card path against it. */
export function baseUrlOf(origin: string, agent: AgentRecord): string {
  return `${origin}/a2a/${encodeURIComponent(agent.name)}/`;
}

function skillsOf(agent: AgentRecord) {
  if (agent.capabilities.length === 0) {
    return [
      {
        id: "ask",
        name: `Ask ${agent.name}`,
        description: agent.description || `Send ${agent.name} a message and get its answer.`,
        tags: [agent.type],
        examples: [],
      },
    ];
  }
  return agent.capabilities.map((capability) => ({
    id: capability,
    name: capability,
    description: `${agent.name} declares the capability "${capability}".${agent.description ? ` ${agent.description}` : ""}`,
    tags: [capability, agent.type],
  }));
}

export function agentCard(agent: AgentRecord, origin: string) {
  const url = baseUrlOf(origin, agent);
  return {
    name: agent.name,
    description: agent.description || `${agent.name}, an agent on the Agent Mesh.`,
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
    ],
    provider: { organization: "Agent Mesh", url: origin },
    version: VERSION,
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: false },
    securitySchemes: {
      bearer: {
        httpAuthSecurityScheme: {
          scheme: "Bearer",
          description: "An Agent Mesh token with the `call` scope: `Authorization: Bearer <token>`.",
        },
      },
    },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain"],
    skills: skillsOf(agent),
  };
}

/** A strong ETag of the card's bytes. */
export async function etagOf(body: string): Promise<string> {
  return `"${(await sha256Hex(body)).slice(0, 32)}"`;
}
