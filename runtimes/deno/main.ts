/** Deno entry: `npm run start:deno`. */
import { setImmediate } from "node:timers";
import { upgradeWebSocket } from "hono/deno";
import { gatherSseWritesUntil } from "../../gateway/src/index.ts";
import { boot } from "../shared/boot.ts";
import { upgradeAgentSocket } from "./agent-sockets.ts";

// Each agent WebSocket message is a task of its own here: gather SSE writes until the ready ones are handled.
gatherSseWritesUntil(setImmediate);

const { gateway, hostname, port, listen, started } = await boot(
  "deno",
  Deno.env.toObject(),
  upgradeWebSocket,
);

/** A pause before listening again, so a process out of files does not spin. */
const RELISTEN_AFTER_MS = 1000;
let server: Deno.HttpServer | undefined;
let stopping = false;

/**
 * Deno.serve's accept loop ends for good on an accept error such as EMFILE (too many open files): `finished`
 * rejects, the listener closes, and the process would either exit on the unhandled rejection or stay up refusing
 * every connection. Sockets already upgraded live on, so the gateway listens again on the same port and keeps its
 * connected agents. `AGENT_MESH_MAX_AGENTS` keeps agents from using up the files; callers still can.
 */
function serve(): Deno.HttpServer {
  const listener = Deno.serve(
    {
      hostname,
      port,
      onListen: ({ hostname, port }) => void started(`http://${hostname}:${port}`),
    },
    (request, info) => upgradeAgentSocket(Deno, gateway.agentSocket, request) ?? gateway.fetch(request, info),
  );
  listener.finished.catch((error: unknown) => {
    if (stopping) return;
    console.error(
      `[gateway] the server stopped accepting connections (${String(error)}); connected agents stay, listening again in ${RELISTEN_AFTER_MS} ms`,
    );
    setTimeout(serveAgain, RELISTEN_AFTER_MS);
  });
  return listener;
}

function serveAgain(): void {
  try {
    server = serve();
  } catch (error) {
    // Listening needs a file too: wait until one is free.
    console.error(
      `[gateway] cannot listen again yet (${String(error)}); retrying in ${RELISTEN_AFTER_MS} ms`,
    );
    setTimeout(serveAgain, RELISTEN_AFTER_MS);
  }
}
// The first time, a port that cannot be had (in use) ends the start: no retrying.
server = await listen(serve);

const shutdown = async () => {
  stopping = true;
  // No new connections, without waiting for the open ones: they close with the process (see `prepareExit`).
  void server?.shutdown().catch(() => {});
  await gateway.prepareExit();
  await gateway.services.store.dispose();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
