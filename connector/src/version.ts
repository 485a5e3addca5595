/**
 * The connector's version: the gateway's, so a gateway always serves (`/dl/agent-mesh-<version>.tgz`) and names
 * in its tickets' `command` the connector it was released with. The build checks connector/package.json agrees.
 * @module
 */
export { VERSION } from "../../gateway/src/version.ts";
