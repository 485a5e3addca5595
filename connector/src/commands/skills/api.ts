/**
 * A small client of the skills registry API. Registry errors (`{"error":{"code","message"}}`) become `CliError`s
 * with the same code, so the user sees the registry's actionable message.
 * @module
 */
import { CliError } from "../../cli/errors.ts";
import { loadSettings, registryUrl, type SkillsSettings } from "./settings.ts";

export interface RegistryClient {
  settings: SkillsSettings;
  base: string;
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  publish(
    path: string,
    archive: Uint8Array,
    onProgress?: (sent: number) => void,
  ): Promise<Record<string, unknown>>;
  download(url: string): Promise<Uint8Array>;
}

async function failure(response: Response, what: string): Promise<CliError> {
  const text = await response.text().catch(() => "");
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; problems?: unknown[] } };
    if (error?.code) {
      const problems = Array.isArray(error.problems)
        ? (error.problems as Array<{ path?: string; message: string; code?: string }>)
            .map((p) => `\n  - ${p.path ? `${p.path}: ` : ""}${p.message}${p.code ? ` [${p.code}]` : ""}`)
            .join("")
        : "";
      return new CliError(error.code, problems ? `${error.code}:${problems}` : error.message);
    }
  } catch {
    // Not a registry error document (a proxy's HTML page, say): report the status below.
  }
  return new CliError("registry_error", `${what} failed with HTTP ${response.status}`);
}

async function send(url: string, init: RequestInit & { duplex?: "half" }, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CliError(
      "registry_unreachable",
      `cannot reach ${new URL(url).origin}: ${(error as Error).message}`,
    );
  }
  if (!response.ok) throw await failure(response, what);
  return response;
}

export function createRegistryClient(settings: SkillsSettings = loadSettings()): RegistryClient {
  const base = registryUrl(settings);
  const auth: Record<string, string> = settings.token ? { authorization: `Bearer ${settings.token}` } : {};
  return {
    settings,
    base,
    async json(method, path, body) {
      const init: RequestInit = { method, headers: { ...auth, accept: "application/json" } };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { ...init.headers, "content-type": "application/json" };
      }
      return (await (await send(`${base}${path}`, init, `${method} ${path}`)).json()) as never;
    },
    async publish(path, archive, onProgress) {
      const CHUNK = 64 * 1024;
      let sent = 0;
      // A pulled stream lets us report progress as the upload is consumed, not just when it ends.
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= archive.length) return controller.close();
          const chunk = archive.subarray(sent, sent + CHUNK);
          sent += chunk.length;
          onProgress?.(sent);
          controller.enqueue(chunk);
        },
      });
      const init = {
        method: "PUT",
        headers: { ...auth, "content-type": "application/zip", "content-length": String(archive.length) },
        body,
        duplex: "half" as const,
      };
      return (await (await send(`${base}${path}`, init, "publish")).json()) as Record<string, unknown>;
    },
    async download(url) {
      return new Uint8Array(await (await send(url, { headers: auth }, `download ${url}`)).arrayBuffer());
    },
  };
}

/** Splits `author/slug[@spec]`. */
export function parseSkillRef(input: string): { author: string; slug: string; spec: string | undefined } {
  const match = /^([^/@\s]+)\/([^/@\s]+)(?:@(.+))?$/.exec(input);
  if (!match) throw new CliError("skill_ref_invalid", `"${input}" is not author/slug or author/slug@version`);
  return { author: match[1]!, slug: match[2]!, spec: match[3] };
}

export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
