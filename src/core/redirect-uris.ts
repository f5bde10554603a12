import { ConfigurationError, InvalidRequestError } from './errors.js';

/**
 * The redirect URIs the bridge may send Google, one per origin the bridge is reached at: `redirectUri` (under
 * `PUBLIC_URL`) and any others registered on the same Google client (the sandbox's loopback aliases). A redirect flow
 * started at one of their origins comes back to that origin, where the browser holds its session and the flow's
 * cookies; any other origin gets `redirectUri`. An origin only selects among the configured URIs, so a forged `Host`
 * can never make the bridge send Google a URI of its choosing.
 *
 * @example
 * const uris = new RedirectUris('http://localhost:3000/oauth/google/callback', [
 *   'http://127.0.0.1:3000/oauth/google/callback',
 * ]);
 * uris.forOrigin('http://127.0.0.1:3000'); // 'http://127.0.0.1:3000/oauth/google/callback'
 * uris.forOrigin('https://evil.example'); // 'http://localhost:3000/oauth/google/callback'
 */
export class RedirectUris {
  readonly #byOrigin = new Map<string, string>();

  constructor(
    readonly primary: string,
    others: readonly string[] = [],
  ) {
    if (!Array.isArray(others)) throw new ConfigurationError('google.redirectUris must be a list of URLs.');
    for (const uri of [primary, ...others]) {
      const origin = httpOrigin(uri);
      if (origin === null) {
        throw new ConfigurationError(`Google redirect URIs must be absolute http(s) URLs: ${String(uri)}.`);
      }
      // The first URI under an origin wins, so `primary` keeps its own origin.
      if (!this.#byOrigin.has(origin)) this.#byOrigin.set(origin, uri);
    }
  }

  /** The configured redirect URI under `origin`, or `primary` when none is (or no origin is given). */
  forOrigin(origin: string | undefined): string {
    if (origin === undefined) return this.primary;
    if (typeof origin !== 'string') {
      throw new InvalidRequestError('origin must be a string, such as https://app.example.com.');
    }
    const normalised = httpOrigin(origin);
    return (normalised !== null && this.#byOrigin.get(normalised)) || this.primary;
  }
}

/** The URL's origin, normalised as a browser writes it (lower-case host, no default port), or null if not http(s). */
function httpOrigin(url: unknown): string | null {
  if (typeof url !== 'string' || !URL.canParse(url)) return null;
  const parsed = new URL(url);
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
}
