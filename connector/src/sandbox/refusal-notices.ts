/**
 * Tells the owner which hosts the sandbox refused, once per host, so a missing `--allow-host` is found from the
 * connector's log instead of from an agent that mysteriously cannot reach something.
 * @module
 */
import { SandboxManager } from "@anthropic-ai/sandbox-runtime";

const MAX_HOSTS_REPORTED = 1_000;

/** Subscribes to the runtime's refusals; returns the unsubscribe function. */
export function reportNetworkRefusals(log: (line: string) => void): () => void {
  const seen = new Set<string>();
  return SandboxManager.getSandboxViolationStore().subscribe((violations) => {
    for (const violation of violations) {
      const host = /^deny network-outbound (\S+)/.exec(violation.line)?.[1];
      if (!host || seen.has(host) || seen.size >= MAX_HOSTS_REPORTED) continue;
      seen.add(host);
      const entry = host.endsWith(":443") ? host.slice(0, -4) : host;
      log(
        `sandbox refused a connection to ${host}: not on the allow list (add --allow-host ${entry} if the agent needs it)`,
      );
    }
  });
}
