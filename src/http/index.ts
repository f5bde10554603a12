/**
 * The HTTP layer's public face: what the service around it (the CLI, the sandbox launcher) needs to build and
 * reach the server, and what the framework adapters (`src/fastify`, `src/express`, `src/next`) mount. Everything else under `src/http` is the layer's own; `test/core/import-rules.test.ts` keeps
 * the CLI to this file.
 *
 * @example
 * import { buildServer, serverOptions } from '../http/index.js';
 * const app = await buildServer({ config, bridge, store, logger, server: createServer(serverOptions(limits)) });
 */

export { connectUrlBuilder } from './connect-url.js';
export type { HostIdentity, Identify } from './host-identity.js';
export type { HttpConfig } from './http-config.js';
export { bridgeInstanceOptions } from './instance-options.js';
export { type TokenbridgePluginOptions, tokenbridgePlugin } from './plugin.js';
export { GOOGLE_RISC_PATH } from './routes/google-risc.js';
export { type BuildServerOptions, buildServer } from './server.js';
export { serverOptions } from './server-limits.js';
