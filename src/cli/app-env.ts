import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** What an app needs to run against the sandbox's emulators, as the names Clerk's and Google's SDKs read. */
export interface AppEnvInput {
  /** `PUBLIC_URL` as given: the app's origin and the path it mounts Tokenbridge under. */
  publicUrl: string;
  clerk: { url: string; publishableKey: string; secretKey: string };
  google: { url: string; clientId: string; clientSecret: string };
  /** An encryption keyring kept across sandbox restarts, so the app's stored grants stay readable. */
  encryptionKeys: string;
}

/**
 * The variables for an app's `.env`/`.env.local`, in the order a reader expects them. Clerk's SDKs build the
 * Frontend API's URLs as `https://` from the publishable key, and the emulator is plain HTTP: the server side takes
 * `CLERK_PROXY_URL`, the browser side (`@clerk/nextjs`'s `ClerkProvider`) the proxy URL and the two script URLs.
 *
 * @example
 * appEnvironment(input).find(([name]) => name === 'APP_URL') // ['APP_URL', 'http://localhost:3000']
 */
export function appEnvironment(input: AppEnvInput): Array<[name: string, value: string]> {
  const { clerk, google } = input;
  const app = new URL(input.publicUrl);
  // The browser reaches the Frontend API under the app's own loopback name: `localhost:3002` beside `localhost:3000`
  // is the same site, so clerk-js's credentialed calls carry the emulator's client cookie. (Clerk's development
  // browser token, its cure for cross-site cookies, is used by clerk-js only on Clerk's own development hosts.)
  const frontendApi = new URL(clerk.url);
  if (LOOPBACK.has(app.hostname) && LOOPBACK.has(frontendApi.hostname)) frontendApi.hostname = app.hostname;
  const browserClerk = frontendApi.origin;
  return [
    ['APP_URL', app.origin],
    ['CLERK_PUBLISHABLE_KEY', clerk.publishableKey],
    ['CLERK_SECRET_KEY', clerk.secretKey],
    ['CLERK_API_URL', clerk.url],
    ['CLERK_PROXY_URL', browserClerk],
    ['NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY', clerk.publishableKey],
    ['NEXT_PUBLIC_CLERK_PROXY_URL', browserClerk],
    ['NEXT_PUBLIC_CLERK_JS_URL', `${browserClerk}/npm/@clerk/clerk-js@6/dist/clerk.browser.js`],
    ['NEXT_PUBLIC_CLERK_UI_URL', `${browserClerk}/npm/@clerk/ui@1/dist/ui.browser.js`],
    ['NEXT_PUBLIC_CLERK_TELEMETRY_DISABLED', '1'],
    ['NEXT_TELEMETRY_DISABLED', '1'],
    ['GOOGLE_BASE_URL', google.url],
    ['GOOGLE_CLIENT_ID', google.clientId],
    ['GOOGLE_CLIENT_SECRET', google.clientSecret],
    ['TOKENBRIDGE_ENCRYPTION_KEYS', input.encryptionKeys],
  ];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const MARK = '# Written by `tokenbridge sandbox --write-env`: throwaway sandbox credentials, never real ones.';

/**
 * Writes `variables` into the dotenv file at `path` (0600: it holds the sandbox's secret key), replacing the lines
 * that set them and keeping every other line the app has there.
 */
export function writeEnvFile(path: string, variables: Array<[string, string]>): void {
  const names = new Set(variables.map(([name]) => name));
  const kept = existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(
          (line) => line !== MARK && !names.has(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1] ?? ''),
        )
    : [];
  while (kept.length > 0 && kept[kept.length - 1]?.trim() === '') kept.pop();
  const ours = [MARK, ...variables.map(([name, value]) => `${name}=${value}`)];
  writeFileSync(path, `${[...kept, ...(kept.length > 0 ? [''] : []), ...ours].join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
