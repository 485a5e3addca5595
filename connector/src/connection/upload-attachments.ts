/**
 * Uploads the files an agent wrote during a request (`PUT /v1/attachments/<request id>/<path>`) and returns the
 * protocol attachments to list in `done` (the gateway fills in the caller's download URL). A file that fails
 * to upload is reported as a status chunk and left out, so the answer itself still arrives.
 * @module
 */
import type { Attachment } from "../../../gateway/src/protocol/index.ts";
import { GatewayApi, segment } from "../cli/gateway-api.ts";
import type { WorkspaceFile } from "../workspace/snapshot.ts";

export interface UploadTarget {
  url: string;
  token: string;
  /** Set when connecting with a user token: the gateway needs to know which agent uploads. */
  agentId?: string;
}

export async function uploadAttachments(
  target: UploadTarget,
  requestId: string,
  files: WorkspaceFile[],
  notice: (text: string) => void,
): Promise<Attachment[]> {
  const api = new GatewayApi(target.url, target.token);
  const query = target.agentId ? `?agent=${segment(target.agentId)}` : "";
  const attachments: Attachment[] = [];
  for (const file of files) {
    try {
      await api.fetch("PUT", `/v1/attachments/${segment(requestId)}/${segment(file.path)}${query}`, {
        raw: file.bytes,
      });
      attachments.push({ name: file.path, size: file.size, url: "" });
    } catch (error) {
      notice(`Not attached (upload failed: ${(error as Error).message}): ${file.path}`);
    }
  }
  return attachments;
}
