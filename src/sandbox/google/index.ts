// The Google emulator: OAuth 2.0 / OpenID Connect, Drive/People/Gmail/Calendar and a control API on one origin.

export { reuseClosedEmulatorKeys } from '../kit/rsa-keys.js';
export type { GoogleAccount } from './accounts.js';
export { DEFAULT_CLIENT, type OAuthClientConfig } from './clients.js';
export { type ConsentOptions, ConsentPageError, CookieJar, completeConsent } from './consent-driver.js';
export {
  type AccountTarget,
  ControlError,
  type EmulatorCounters,
  type GoogleEmulatorControl,
  type GrantCounters,
} from './control.js';
export { googleEndpoints } from './endpoints.js';
export {
  RISC_EVENT_TYPES,
  type RiscControl,
  type RiscDelivery,
  type RiscEventInput,
  type RiscEventType,
  type RiscReceiver,
  type RiscSendResult,
  type TokenIdentifierAlg,
  tokenIdentifier,
} from './risc/index.js';
export { type GoogleEmulator, type GoogleEmulatorOptions, SELF_ISSUER, startGoogleEmulator } from './server.js';
