// The Clerk emulator: Backend API, Frontend API, hosted sign-in, clerk.browser.js and signed webhooks on one origin.

export { reuseClosedEmulatorKeys } from '../kit/rsa-keys.js';
export { ClerkApiError } from './clerk-errors.js';
export type {
  ClerkEmulatorControl,
  ClerkEmulatorCounters,
  ClerkSessionJson,
  ClerkUserJson,
  SeedGoogleAccount,
} from './control.js';
export {
  type BrowserSignIn,
  connectGoogle,
  type GoogleLinkOptions,
  type GoogleSignInOptions,
  reauthorizeGoogle,
  type SignInOptions,
  signInByEmail,
  signInWithGoogle,
} from './driver.js';
export { frontendApiOf, publishableKeyFor } from './keys.js';
export { DEVELOPMENT_RATE_LIMIT, type RateLimitSettings } from './rate-limit.js';
export { type ClerkEmulator, type ClerkEmulatorOptions, startClerkEmulator } from './server.js';
export { RETRY_SCHEDULE_SECONDS, type WebhookDelivery } from './webhooks.js';
