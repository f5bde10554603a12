/**
 * `tokenbridge`: the library. Create a bridge over a store and a keyring, ask it for a user's Google access token, and
 * catch its typed errors. Everything else in the package is the service around it (`tokenbridge start`), the browser
 * client (`tokenbridge/client`) and the emulators (`tokenbridge/sandbox/google`, `tokenbridge/sandbox/clerk`).
 *
 * @example
 * import { createTokenBridge, Keyring, openStore } from 'tokenbridge';
 * const store = await openStore('./data/tokenbridge.db');
 * await store.migrate();
 * const bridge = createTokenBridge({ store, keyring: Keyring.parse(keys), google, connectUrl });
 * const { accessToken } = await bridge.getAccessToken(userId, { scopes: ['drive.readonly'] });
 */

export type { Clock } from './clock.js';
// The bridge and what it is made from.
export { createTokenBridge, type TokenBridgeOptions } from './core/bridge.js';
// Every failure a caller can meet: one base class, a stable `code` on each.
export {
  AuthorizationFailedError,
  ConfigurationError,
  DecryptionError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidStateError,
  NotConnectedError,
  ReconnectRequiredError,
  RiscTokenInvalidError,
  ScopesMissingError,
  StorageUnavailableError,
  TokenBridgeError,
  UnauthenticatedError,
  UpstreamUnavailableError,
} from './core/errors.js';
export { Keyring } from './core/keyring.js';
export type { RetryPolicy, Scheduler } from './core/retry.js';
// The bridge's methods, their arguments and results, and its events.
export type * from './core/types.js';
// Outbound connection events (`outbox: true` with a dispatcher that delivers them), and their payloads.
export {
  type WebhookDelivery,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './core/webhook-dispatcher.js';
export {
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  type WebhookPayload,
} from './core/webhook-payload.js';
export { type OpenStoreOptions, openStore, type Store } from './storage/index.js';
