/** Callback URLs may not point into the gateway's own network unless the operator allows it. */
import { afterAll, describe, expect, it } from "vitest";
import { configFromEnv } from "../../gateway/src/index.ts";
import { isPrivateHost } from "../../gateway/src/util/private-address.ts";
import { IN_PROCESS_ADMIN_TOKEN, inProcessApi, inProcessGateway } from "../helpers/in-process-gateway.ts";

describe("private callback hosts", () => {
  it.each([
    ["http://localhost:8080/x", true],
    ["http://api.localhost/x", true],
    ["http://127.0.0.1/x", true],
    ["http://10.1.2.3/x", true],
    ["http://172.16.0.1/x", true],
    ["http://172.32.0.1/x", false],
    ["http://192.168.1.1/x", true],
    ["http://169.254.169.254/latest/meta-data", true],
    ["http://100.64.0.1/x", true],
    ["http://0.0.0.0/x", true],
    ["http://[::1]/x", true],
    ["http://[fd00::1]/x", true],
    ["http://[fe80::1]/x", true],
    ["http://[::ffff:10.0.0.1]/x", true],
    ["https://hooks.example.com/x", false],
    ["https://8.8.8.8/x", false],
    ["http://[2001:db8::1]/x", false],
  ])("%s → private: %s", (url, expected) => {
    expect(isPrivateHost(new URL(url))).toBe(expected);
  });

  it("reads AGENT_MESH_ALLOW_PRIVATE_CALLBACKS and rejects nonsense", () => {
    expect(configFromEnv({}).allowPrivateCallbacks).toBe(false);
    expect(configFromEnv({ AGENT_MESH_ALLOW_PRIVATE_CALLBACKS: "1" }).allowPrivateCallbacks).toBe(true);
    expect(configFromEnv({ AGENT_MESH_ALLOW_PRIVATE_CALLBACKS: "false" }).allowPrivateCallbacks).toBe(false);
    expect(() => configFromEnv({ AGENT_MESH_ALLOW_PRIVATE_CALLBACKS: "yes" })).toThrow(
      /AGENT_MESH_ALLOW_PRIVATE_CALLBACKS/,
    );
  });
});

describe("callback_url on a gateway with the default config", () => {
  const gateway = inProcessGateway();
  afterAll(() => gateway.dispose());

  const call = (path: string, token: string, body: unknown) => inProcessApi(gateway, token).post(path, body);

  it("refuses loopback and private callback URLs with callback_url_forbidden, accepts public ones", async () => {
    await gateway.init();
    const user = await call("/v1/tokens", IN_PROCESS_ADMIN_TOKEN, { name: "cb-user" });
    await call("/v1/agents", user.body.token, { name: "cb-agent" });
    for (const url of ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://[::1]/x"]) {
      const res = await call("/v1/agents/cb-agent/messages", user.body.token, {
        message: "x",
        async: true,
        callback_url: url,
      });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe("callback_url_forbidden");
    }
    const ok = await call("/v1/agents/cb-agent/messages", user.body.token, {
      message: "x",
      async: true,
      callback_url: "https://hooks.example.com/done",
    });
    expect(ok.status).toBe(202);
  });
});
