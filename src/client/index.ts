/**
 * `tokenbridge/client`: the browser client for a Tokenbridge server. It uses `fetch` only, so it runs in any browser
 * (and in Node, Deno or Bun, with a `baseUrl`).
 */
export {
  createTokenbridgeClient,
  type GetGoogleTokenOptions,
  type TokenbridgeClient,
  type TokenbridgeClientOptions,
} from './client.js';
export { TokenbridgeClientError, type TokenbridgeClientErrorCode } from './errors.js';
export type { GisOauth2 } from './popup.js';
export type {
  ConnectAction,
  ConnectionResult,
  DisconnectResult,
  GoogleApi,
  GoogleApiResult,
  GoogleConnection,
  GoogleToken,
  GoogleTokenResult,
  PopupConnectResult,
  ReconnectReason,
  Refusal,
} from './results.js';
export { DEFAULT_ROUTES, type TokenbridgeRoutes } from './routes.js';
export { coversScopes, normaliseScopes } from './scopes.js';
