import { issuersFromPublishableKey } from './session-verifier.js';

/** Google Identity Services' origin when `GOOGLE_BASE_URL` does not point elsewhere. */
const GOOGLE_IDENTITY_SERVICES = 'https://accounts.google.com';

/** The origins the console page talks to, all from configuration. */
export interface ConsoleOrigins {
  /** `CLERK_PUBLISHABLE_KEY`: names the Frontend API that serves clerk-js and answers it. */
  clerkPublishableKey: string | undefined;
  /** `CLERK_PROXY_URL`: where the Frontend API is reached instead of the host the key names. */
  clerkProxyUrl?: string | undefined;
  /** `GOOGLE_BASE_URL`: where Google Identity Services lives instead of accounts.google.com (the emulator). */
  googleBaseUrl: string | undefined;
}

/**
 * The console page's Content-Security-Policy, built from the configured origins only: the bridge itself (`'self'`),
 * the Clerk Frontend API the publishable key names (and its proxy URL), and Google Identity Services. Scripts,
 * connections, frames and form posts can reach nothing else; images may also come from any https origin (Clerk's
 * avatars), never script.
 *
 * @example
 * consoleContentSecurityPolicy({ clerkPublishableKey: 'pk_live_Y2xlcmsuYXBwLmNvbSQ', googleBaseUrl: undefined })
 * // "default-src 'self'; script-src 'self' https://clerk.app.com https://accounts.google.com; …"
 */
export function consoleContentSecurityPolicy(origins: ConsoleOrigins): string {
  const proxy = origins.clerkProxyUrl === undefined ? [] : [new URL(origins.clerkProxyUrl).origin];
  const clerk = [...issuersFromPublishableKey(origins.clerkPublishableKey), ...proxy];
  const gsi = origins.googleBaseUrl === undefined ? GOOGLE_IDENTITY_SERVICES : new URL(origins.googleBaseUrl).origin;
  const allowed = ["'self'", ...new Set([...clerk, gsi])].join(' ');
  return [
    "default-src 'self'",
    `script-src ${allowed}`,
    `connect-src ${allowed}`,
    `frame-src ${allowed}`,
    `img-src ${allowed} data: https:`,
    `style-src ${allowed} 'unsafe-inline'`,
    // clerk-js runs its token poller in a worker it builds from a blob.
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    `form-action ${allowed}`,
  ].join('; ');
}
