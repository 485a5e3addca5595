import type { GatewayStoreObject } from "../../runtimes/cloudflare/store-object.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      STORE: DurableObjectNamespace<GatewayStoreObject>;
      BLOBS: KVNamespace;
    }
  }
}
