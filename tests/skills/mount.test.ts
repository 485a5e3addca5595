/** The gateway mount (`mountSkills`): the registry answers under /v1/skills and /skills with links through them. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { mountSkills } from "../../gateway/src/routes/skills.ts";
import { createTestRegistry, skillZip } from "./helpers.ts";

describe("mountSkills", () => {
  const { registry } = createTestRegistry();
  const app = new Hono();
  app.get("/health", (c) => c.text("ok"));
  mountSkills(app, registry);

  it("publishes through /v1/skills and links archives through the same prefix", async () => {
    const response = await app.request("http://gw.test/v1/skills/alice/hello/1.0.0", {
      method: "PUT",
      headers: { authorization: "Bearer alice-token" },
      body: skillZip("hello", "1.0.0") as Uint8Array<ArrayBuffer>,
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { archive_url: string };
    expect(body.archive_url).toBe("http://gw.test/v1/skills/alice/hello/-/hello-1.0.0.zip");
  });

  it("serves the same registry under /skills, ignoring a client's own prefix header", async () => {
    const response = await app.request("http://gw.test/skills/alice/hello", {
      headers: { "x-forwarded-prefix": "/evil" },
    });
    const doc = (await response.json()) as { versions: Record<string, { archive_url: string }> };
    expect(doc.versions["1.0.0"]!.archive_url).toBe("http://gw.test/skills/alice/hello/-/hello-1.0.0.zip");
    const archive = await app.request(doc.versions["1.0.0"]!.archive_url);
    expect(archive.status).toBe(200);
    expect(archive.headers.get("content-type")).toBe("application/zip");
  });

  it("answers the discovery index under /skills/<author> and leaves other routes alone", async () => {
    const index = await app.request("http://gw.test/skills/alice/.well-known/agent-skills/index.json");
    expect(index.status).toBe(200);
    expect(await (await app.request("http://gw.test/health")).text()).toBe("ok");
    const missing = await app.request("http://gw.test/v1/skills/nobody/none");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("skill_not_found");
  });
});
