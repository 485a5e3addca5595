/**
 * A gateway with the real connector connected: `agent-mesh connect <type> --agent <name> --project <dir>` run
 * from the installed package (see connector-install.ts), logged in as a fresh user. The same RelayTarget shape
 * as the floor and the bare protocol client, so the same measurements run against it.
 */
import { execFileSync } from "node:child_process";
import type { ConnectorInstall } from "./connector-install.ts";
import { type BenchProcess, startProcess } from "./processes.ts";
import { apiPost, type RelayTarget } from "./relay-target.ts";
import { type LocalRuntime, startGateway } from "./servers.ts";

export interface ConnectorSetup {
  /** Adapter and what follows it on the command line (e.g. `["echo", "--chunks", "5"]`, `["exec", "--", "cat"]`). */
  connect: string[];
  project: string;
  label: string;
}

let agents = 0;

export async function startConnectorTarget(
  runtime: LocalRuntime,
  install: ConnectorInstall,
  setup: ConnectorSetup,
): Promise<RelayTarget> {
  const gateway = await startGateway(runtime, { store: "memory" });
  let connector: BenchProcess | undefined;
  try {
    const name = `bench${++agents}`;
    const user = await apiPost(gateway.url, gateway.adminToken, "/v1/tokens", { name: "bench" });
    await apiPost(gateway.url, user.token, "/v1/agents", { name, type: setup.connect[0] });
    const env = { ...process.env, ...install.env };
    execFileSync(process.execPath, [install.bin, "login", "--url", gateway.url, "--token", user.token], {
      env,
      stdio: "ignore",
    });
    const [type, ...rest] = setup.connect;
    const dashes = rest.indexOf("--");
    const flags = dashes === -1 ? rest : rest.slice(0, dashes);
    const command = dashes === -1 ? [] : rest.slice(dashes);
    const started = performance.now();
    connector = startProcess(
      `connector-${setup.label}`,
      [
        process.execPath,
        install.bin,
        "connect",
        type!,
        "--agent",
        name,
        "--project",
        setup.project,
        ...flags,
        ...command,
      ],
      install.env,
    );
    await connector.waitFor(/connected as /);
    const connectedAfterMs = performance.now() - started;
    const proc = connector;
    return {
      kind: "gateway",
      runtime: `${runtime} + ${setup.label}`,
      url: gateway.url,
      token: user.token,
      messagesPath: `/v1/agents/${name}/messages`,
      serverPid: gateway.process.pid,
      agentPid: proc.pid,
      connectedAfterMs,
      async stop() {
        await proc.stop();
        await gateway.stop();
      },
    };
  } catch (error) {
    await connector?.stop();
    await gateway.stop();
    throw error;
  }
}
