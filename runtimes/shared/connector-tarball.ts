/**
 * The connector tarball a repository-run gateway serves at `/dl/`: `connector/tarball/agent-mesh-<version>.tgz`
 * as `npm run build:connector` writes it, or the file `AGENT_MESH_CONNECTOR_TARBALL` names. Read when first asked
 * for, so building after the gateway started works too.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { connectorFileName } from "../../gateway/src/connector-package.ts";
import { type ConnectorPackageSource, VERSION } from "../../gateway/src/index.ts";

export function connectorTarballPath(env: Record<string, string | undefined>): string {
  return (
    env.AGENT_MESH_CONNECTOR_TARBALL ||
    fileURLToPath(new URL(`../../connector/tarball/${connectorFileName(VERSION)}`, import.meta.url))
  );
}

export function connectorTarball(env: Record<string, string | undefined>): ConnectorPackageSource {
  const path = connectorTarballPath(env);
  return { version: VERSION, load: () => readTarball(path) };
}

export async function readTarball(path: string): Promise<Uint8Array | null> {
  try {
    const bytes = await readFile(path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
}
