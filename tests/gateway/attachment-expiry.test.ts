/**
 * Files agents upload for their callers expire after the task TTL, counted from the upload: a real Node gateway
 * on the fs store (the default) with `AGENT_MESH_TASK_TTL_MS=2000`. Before, they were kept for good on every
 * backend, handed over or not, so a node's disk grew with its whole history.
 */
import * as fs from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectAgent, createAgent, createUser } from "../helpers/fixtures.ts";
import { type GatewayProcess, startGateway } from "../helpers/gateway-process.ts";
import { sleep } from "../helpers/wait.ts";

const TTL_MS = 2000;

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await startGateway({
    runtime: "node",
    store: "fs",
    env: { AGENT_MESH_TASK_TTL_MS: String(TTL_MS) },
  });
});
afterAll(async () => gateway?.stop());

it("a file handed to its caller downloads right after done and answers 404 not_found once the task TTL has passed", async () => {
  const { url, adminToken, dataDir } = gateway;
  const user = await createUser(url, adminToken, "files-expire");
  const agent = await createAgent(user.api);
  let uploadedAt = 0;
  const connected = await connectAgent(url, user.token, agent.name, async (request, reply) => {
    uploadedAt = Date.now();
    const res = await fetch(`${url}/v1/attachments/${request.id}/report.txt?agent=${agent.id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${user.token}` },
      body: "the report",
    });
    if (res.status !== 201) return reply.error("upload_failed", await res.text());
    reply.done("attached", { attachments: [{ name: "report.txt", size: 10, url: "" }] });
  });
  try {
    const res = await user.api.post(`/v1/agents/${agent.name}/messages`, { message: "a report please" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const fileUrl = new URL(res.body.attachments[0].url, url).href;
    const download = () => fetch(fileUrl, { headers: { authorization: `Bearer ${user.token}` } });
    const first = await download();
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("the report");
    expect(Date.now() - uploadedAt).toBeLessThan(TTL_MS); // else the machine was too slow to tell anything

    await sleep(uploadedAt + TTL_MS + 500 - Date.now());
    const late = await download();
    expect(late.status).toBe(404);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe("not_found");

    // The bytes go at the fs store's first hourly sweep after their hour, by their marker (tests/blob-stores/
    // fs.test.ts runs the sweep).
    const requestId = connected.requests[0]!.id;
    const [hour] = await fs.readdir(join(dataDir, "blobs/.expiring"));
    const markers = await fs.readdir(join(dataDir, "blobs/.expiring", hour!));
    expect(markers).toEqual([
      expect.stringMatching(new RegExp(`^attachment\\+${requestId}\\+${agent.id}\\+`)),
    ]);
  } finally {
    connected.stop();
  }
});
