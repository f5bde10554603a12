// Tokenbridge's public library API: the core (no HTTP) and its storage.

export { type Clock, epochSeconds, ManualClock, systemClock } from './clock.js';
export { createTokenBridge, type TokenBridgeOptions } from './core/bridge.js';
export { type ClerkHeldToken, ClerkTokenSource } from './core/clerk-source.js';
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
export { type GoogleEndpoints, googleEndpoints } from './core/google-oauth.js';
export { Keyring, type SecretContext } from './core/keyring.js';
export {
  defaultRetryPolicy,
  parseRetryAfter,
  type RetryPolicy,
  type Scheduler,
  timerScheduler,
} from './core/retry.js';
export { safeReturnTo } from './core/return-to.js';
export {
  createRiscVerifier,
  GOOGLE_RISC_CONFIGURATION_URL,
  matchesTokenIdentifier,
  type RiscEvent,
  type RiscEventBody,
  type RiscEventEnvelope,
  type RiscEventType,
  type RiscSubject,
  type RiscVerifier,
  type RiscVerifierOptions,
  riscEventLookupKey,
  riscTokenIdentifier,
  riscTokenLookupKeys,
  type TokenIdentifierAlg,
} from './core/risc.js';
export { coversScopes, expandScopes, missingScopes, normaliseScopes, parseGrantedScopes } from './core/scopes.js';
export { SingleFlight } from './core/single-flight.js';
export type * from './core/types.js';
export {
  DEFAULT_WEBHOOK_RETRY_DELAYS_MS,
  type WebhookDelivery,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './core/webhook-dispatcher.js';
export {
  WEBHOOK_EVENT_TYPES,
  type WebhookConnection,
  type WebhookEventType,
  type WebhookPayload,
  webhookPayload,
} from './core/webhook-payload.js';
export {
  type AuditAction,
  type AuditEntry,
  type ConnectionChange,
  type ConnectionRepository,
  type ConnectionWatch,
  type OpenStoreOptions,
  openStore,
  type PendingAuthorization,
  type Store,
  type StoredConnection,
} from './storage/index.js';
