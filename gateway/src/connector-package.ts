/**
 * The connector package a gateway serves at `/dl/agent-mesh-<version>.tgz`, so an agent's machine installs the
 * matching connector straight from its gateway (no registry publish). The core knows only bytes: each runtime
 * entry decides where they come from (a file next to the gateway, the installed package packed on the fly…) and
 * hands a loader to `createGateway({ connector })`.
 * @module
 */

export interface ConnectorPackageSource {
  /** The connector version the bytes are; names the file (`agent-mesh-<version>.tgz`). */
  version: string;
  /** The tarball, or null while there is none (not built yet). Called again until it returns bytes. */
  load(): Promise<Uint8Array | null>;
}

export interface ConnectorPackage {
  version: string;
  /** `agent-mesh-<version>.tgz`: the only file name `/dl/` serves. */
  fileName: string;
  /** The tarball (read once, then kept: a version's bytes never change), or null when there is none. */
  bytes(): Promise<Uint8Array | null>;
}

export function connectorFileName(version: string): string {
  return `agent-mesh-${version}.tgz`;
}

/** Wraps a source so the bytes are read at most once after they first exist. */
export function connectorPackage(source: ConnectorPackageSource | undefined): ConnectorPackage | null {
  if (!source) return null;
  let cached: Uint8Array | null = null;
  return {
    version: source.version,
    fileName: connectorFileName(source.version),
    async bytes() {
      cached ??= await source.load();
      return cached;
    },
  };
}

/**
 * The line a ticket's owner pastes on the agent's machine. `origin` is the gateway as the caller reached it. An exec
 * agent's line names its type, so a connector given no command after `--` refuses before using the ticket (the
 * gateway does not know which program the agent runs: the owner appends it).
 */
export function connectCommand(
  origin: string,
  fileName: string,
  ticketUrl: string,
  agentType: string,
): string {
  const type = agentType === "exec" ? "exec " : "";
  return `npx -y ${origin}/dl/${fileName} connect ${type}--setup ${ticketUrl}`;
}
