/** WebSocket upgrades as a test sees them: how the gateway answered one. */
import WebSocket from "ws";

/** How the upgrade of a real WebSocket client to `path` is answered: 101 when it opens, else the refusal's status. */
export function upgradeAnswer(url: string, path = "/v1/connect"): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(new URL(path, url.replace(/^http/, "ws")));
    socket.on("open", () => {
      resolve(101);
      socket.terminate();
    });
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode!);
      response.resume();
      socket.terminate();
    });
    socket.on("error", reject);
  });
}
