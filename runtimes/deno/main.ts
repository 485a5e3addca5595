/** Deno entry: `npm run start:deno`. */
import { upgradeWebSocket } from "hono/deno";
import { boot, listening } from "../shared/boot.ts";

const { gateway, hostname, port } = await boot("deno", Deno.env.toObject(), upgradeWebSocket);

const server = Deno.serve(
  {
    hostname,
    port,
    onListen: ({ hostname, port }) =>
      console.log(listening("deno", `http://${hostname}:${port}`, gateway.services.store.name)),
  },
  (request, info) => gateway.fetch(request, info),
);

const shutdown = async () => {
  gateway.dispose();
  await server.shutdown();
  await gateway.services.store.dispose();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
