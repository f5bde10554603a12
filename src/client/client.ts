import type { Clock } from '../clock.js';
import { normaliseScopes } from '../core/scopes.js';
import type { ReconnectReason } from '../core/types.js';
import { TokenbridgeClientError } from './errors.js';
import { type GisOauth2, globalGis, requestPopupCode } from './popup.js';
import type {
  ConnectAction,
  ConnectionResult,
  DisconnectResult,
  GoogleApi,
  GoogleApiResult,
  GoogleTokenResult,
  PopupConnectResult,
  Refusal,
} from './results.js';
import { resolveRoutes, type TokenbridgeRoutes } from './routes.js';
import { sessionSubject } from './session-subject.js';
import { TokenCache } from './token-cache.js';
import { retryAfterSeconds, wireConnection, wireError, wireToken } from './wire.js';

/** How the browser client reaches the bridge and what it does while it waits. */
export interface TokenbridgeClientOptions {
  /**
   * Where the bridge is served, such as `https://bridge.example.com` or `/tokenbridge`. Defaults to the page's own
   * origin. A bridge on another origin must list the page's origin in `TOKENBRIDGE_CORS_ORIGINS`.
   */
  baseUrl?: string;
  /**
   * The bridge's routes under `baseUrl`, for an app that exposes them under other paths; each defaults to the path
   * the bridge serves (`/api/google-token`, `/connect/google`, …). See {@link TokenbridgeRoutes}.
   */
  routes?: Partial<TokenbridgeRoutes>;
  /**
   * Returns the Clerk session token to send as `Authorization: Bearer`, or null when signed out; for example
   * `() => Clerk.session?.getToken() ?? null`. Without it the browser sends the `__session` cookie instead.
   */
  getSessionToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** The `fetch` to use. Defaults to the global one. */
  fetch?: typeof fetch;
  /** The time source for cache expiry. Defaults to the system clock. */
  clock?: Clock;
  /** The fetch credentials mode. Defaults to `include`, so the session cookie also reaches a bridge on another origin. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** A cached token is served only while at least this many seconds are left. Default 60. */
  minValiditySeconds?: number;
  /**
   * When the bridge answers 503 `upstream_unavailable` with a `Retry-After` of at most this many seconds, the client
   * waits that long and asks once more before throwing. Default 5; 0 turns the retry off.
   */
  maxRetryAfterSeconds?: number;
  /** Waits `ms` milliseconds (the `Retry-After` pause). Defaults to `setTimeout`; tests inject their own. */
  wait?: (ms: number) => Promise<void>;
  /** Sends the browser to a URL. Defaults to `location.assign`. */
  navigate?: (url: string) => void;
  /** The page to come back to after consent, as a relative path. Defaults to the current path, query and hash. */
  currentPath?: () => string;
  /**
   * Enables `connectWithPopup` (Google Identity Services' code model). `clientId` is the bridge's Google OAuth client
   * id (`GOOGLE_CLIENT_ID`); `gis` returns `google.accounts.oauth2`, by default from the page's
   * `<script src="https://accounts.google.com/gsi/client">`.
   */
  popup?: { clientId: string; gis?: () => GisOauth2 | undefined };
}

/** Per-call options of `getGoogleToken`. */
export interface GetGoogleTokenOptions {
  /**
   * Serve a cached token only when at least this many seconds are left, and ask the bridge to refresh ahead of time on
   * the same terms (it accepts up to 3000). Overrides the client's default for this call.
   */
  minValiditySeconds?: number;
}

/** The browser client returned by {@link createTokenbridgeClient}. */
export interface TokenbridgeClient {
  /**
   * A Google access token covering `scopes` (short names such as `drive.readonly`, or full scope URLs), from the
   * cache when one is still fresh, else from the bridge. Concurrent calls for the same scopes share one request.
   * The expected refusals come back as `{ ok: false, reason }` results; only the unexpected throws
   * {@link TokenbridgeClientError}.
   */
  getGoogleToken(scopes: readonly string[], options?: GetGoogleTokenOptions): Promise<GoogleTokenResult>;
  /**
   * The signed-in user's Google connection, or `connection: null` when there is none. With `checkWithGoogle`, the
   * bridge first asks Google whether the grant still works (rate-limited per user on the bridge): call it once when a
   * page loads, so a grant revoked at Google shows as needing a reconnect.
   */
  connection(options?: { checkWithGoogle?: boolean }): Promise<ConnectionResult>;
  /** Revokes the Google grant at Google, forgets the connection and empties the cache. Idempotent. */
  disconnect(): Promise<DisconnectResult>;
  /**
   * Forgets cached tokens: the one given (say, after Google answered 401 to it), or all of them. Call it without an
   * argument when the user signs out, if you authenticate with the session cookie rather than `getSessionToken`.
   */
  invalidate(accessToken?: string): void;
  /** The bridge's connect URL for `scopes`, returning to `returnTo` (default: the current page) afterwards. */
  connectUrl(scopes: readonly string[], options?: { returnTo?: string }): string;
  /** Sends the browser to Google's consent for `scopes` and back to `returnTo` (default: the current page). */
  connect(scopes: readonly string[], options?: { returnTo?: string }): void;
  /**
   * Asks Google for `scopes` in a popup and hands the code to the bridge (`POST /api/google/code`). Call it from a
   * click handler: browsers block popups opened later. Needs the `popup` option.
   */
  connectWithPopup(scopes: readonly string[]): Promise<PopupConnectResult>;
  /**
   * Calls a Google API through the bridge's proxy as the signed-in user (`GET /api/google/proxy/drive/drive/v3/files`
   * is `googleApi('drive', 'drive/v3/files')`); the bridge adds the token. Google's answer comes back as it is, an
   * error as `google_error` with its status; the refusals a user can fix are the same results as `getGoogleToken`'s.
   */
  googleApi(api: GoogleApi, path: string, init?: { method?: string; json?: unknown }): Promise<GoogleApiResult>;
}

interface Session {
  bearer: string | undefined;
  subject: string;
}

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

const RECONNECT_REASONS: readonly string[] = [
  'revoked',
  'testing_app_expired',
  'missing_refresh_token',
  'unknown',
] satisfies ReconnectReason[];

/**
 * Creates the browser client for a Tokenbridge server: one call for a fresh Google access token, with the refusals a
 * user can fix (not connected, a missing scope, a dead grant) returned as typed results that carry the fix.
 *
 * @example
 * const tokenbridge = createTokenbridgeClient({ getSessionToken: () => Clerk.session?.getToken() ?? null });
 * const result = await tokenbridge.getGoogleToken(['drive.readonly']);
 * if (!result.ok) return result.reason === 'unauthenticated' ? Clerk.openSignIn() : result.connect();
 * await fetch('https://www.googleapis.com/drive/v3/files', {
 *   headers: { Authorization: `Bearer ${result.token.accessToken}` },
 * });
 */
export function createTokenbridgeClient(options: TokenbridgeClientOptions = {}): TokenbridgeClient {
  const clock = options.clock ?? { now: () => Date.now() };
  const credentials = options.credentials ?? 'include';
  const defaultMinValidity = options.minValiditySeconds ?? 60;
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 5;
  const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const baseUrl = options.baseUrl?.replace(/\/+$/, '');
  const routes = resolveRoutes(options.routes);

  const cache = new TokenCache();
  const inFlight = new Map<string, Promise<GoogleTokenResult>>();
  // Bumped by every invalidation, so a reply that was already on its way does not refill the cache.
  let generation = 0;
  let cachedFor: string | undefined;

  const forget = (accessToken?: string): void => {
    cache.drop(accessToken);
    if (accessToken === undefined) {
      inFlight.clear();
      generation++;
    }
  };

  const resolveUrl = (pathOrUrl: string): string => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)) return pathOrUrl;
    if (baseUrl !== undefined) return baseUrl + pathOrUrl;
    const here = (globalThis as { location?: { href: string } }).location?.href;
    return here === undefined ? pathOrUrl : new URL(pathOrUrl, here).href;
  };

  const currentPath = (): string => {
    if (options.currentPath) return options.currentPath();
    const location = (globalThis as { location?: { pathname: string; search: string; hash: string } }).location;
    return location ? location.pathname + location.search + location.hash : '/';
  };

  const navigate = (url: string): void => {
    if (options.navigate) {
      options.navigate(url);
      return;
    }
    const location = (globalThis as { location?: { assign(url: string): void } }).location;
    if (!location)
      throw new TokenbridgeClientError('invalid_request', 'connect() needs a browser, or the navigate option.');
    location.assign(url);
  };

  const withReturnTo = (url: string, returnTo: string | undefined): string => {
    const absolute = resolveUrl(url);
    const parsed = new URL(absolute, 'http://relative.invalid');
    parsed.searchParams.set('return_to', returnTo ?? currentPath());
    return parsed.origin === 'http://relative.invalid' ? parsed.pathname + parsed.search + parsed.hash : parsed.href;
  };

  const connectUrlFor = (scopes: readonly string[], returnTo?: string): string => {
    const query = new URLSearchParams();
    for (const scope of scopes) query.append('scope', scope);
    return withReturnTo(`${routes.connect}?${query}`, returnTo);
  };

  const session = async (): Promise<Session | null> => {
    if (!options.getSessionToken) return { bearer: undefined, subject: '' };
    let bearer: string | null | undefined;
    try {
      bearer = await options.getSessionToken();
    } catch (cause) {
      throw new TokenbridgeClientError('session_unavailable', 'getSessionToken failed to provide a session token.', {
        cause,
      });
    }
    if (!bearer) return null;
    return { bearer, subject: sessionSubject(bearer) ?? '' };
  };

  // One user's tokens are never served to the next one who signs in on the same page.
  const enter = (current: Session | null): void => {
    const subject = current === null ? undefined : current.subject;
    if (subject !== cachedFor) forget();
    cachedFor = subject;
  };

  const send = async (
    method: string,
    path: string,
    current: Session,
    extra: { query?: URLSearchParams; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { accept: 'application/json', ...extra.headers };
    if (current.bearer !== undefined) headers.authorization = `Bearer ${current.bearer}`;
    if (extra.json !== undefined) headers['content-type'] = 'application/json';
    const query = extra.query && [...extra.query].length > 0 ? `?${extra.query}` : '';
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await doFetch(resolveUrl(path + query), {
        method,
        headers,
        credentials,
        ...(extra.json === undefined ? {} : { body: JSON.stringify(extra.json) }),
      });
    } catch (cause) {
      throw new TokenbridgeClientError(
        'network_error',
        `The Tokenbridge server could not be reached (${method} ${path}).`,
        {
          cause,
        },
      );
    }
    let body: unknown;
    const text = await response.text().catch(() => '');
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body };
  };

  const retryAfter = (reply: Reply): { retryAfterSeconds?: number } => {
    const seconds = retryAfterSeconds(reply.headers.get('retry-after'), clock.now());
    return seconds === undefined ? {} : { retryAfterSeconds: seconds };
  };

  const unexpected = (reply: Reply, what: string): TokenbridgeClientError => {
    const error = wireError(reply.body);
    if (error) return new TokenbridgeClientError(error.code, error.message, { status: reply.status });
    return new TokenbridgeClientError(
      'unexpected_response',
      `The Tokenbridge server answered ${what} with HTTP ${reply.status}.`,
      {
        status: reply.status,
      },
    );
  };

  const popupFor = (scopes: readonly string[]): Promise<PopupConnectResult> => {
    const popup = options.popup;
    if (!popup) {
      return Promise.reject(
        new TokenbridgeClientError('popup_unavailable', 'connectWithPopup needs the popup option ({ clientId }).'),
      );
    }
    const gis = (popup.gis ?? globalGis)();
    if (!gis) {
      return Promise.reject(
        new TokenbridgeClientError(
          'popup_unavailable',
          'Google Identity Services is not loaded (google.accounts.oauth2).',
        ),
      );
    }
    const answer = requestPopupCode(gis, popup.clientId, canonical(scopes));
    return (async (): Promise<PopupConnectResult> => {
      const code = await answer;
      if ('error' in code) return { ok: false, reason: 'cancelled', error: code.error };
      const current = await session();
      enter(current);
      if (current === null) return { ok: false, reason: 'unauthenticated' };
      const reply = await send('POST', routes.code, current, {
        json: { code: code.code },
        headers: { 'x-requested-with': 'XmlHttpRequest' },
      });
      if (reply.status === 401) return { ok: false, reason: 'unauthenticated' };
      const connection = reply.status >= 200 && reply.status < 300 ? wireConnection(reply.body) : undefined;
      if (!connection) throw unexpected(reply, 'the popup code');
      // The grant changed; a fresh token will carry the new scopes.
      forget();
      return { ok: true, connection };
    })();
  };

  const action = (url: string, scopes: readonly string[]): ConnectAction => ({
    connectUrl: withReturnTo(url, undefined),
    connect: () => navigate(withReturnTo(url, undefined)),
    connectWithPopup: () => popupFor(scopes),
  });

  /** The refusals a user can fix, as results; undefined for any other answer. */
  const refusal = (
    code: string,
    error: ReturnType<typeof wireError>,
    requested: readonly string[],
    scopes: readonly string[],
  ): Refusal | undefined => {
    switch (code) {
      case 'unauthenticated':
        forget();
        return { ok: false, reason: 'unauthenticated' };
      case 'scopes_missing': {
        const missing = error?.missing ?? [...scopes];
        return {
          ok: false,
          reason: 'scopes_missing',
          missing,
          ...action(error?.connectUrl ?? connectUrlFor(missing), missing),
        };
      }
      case 'not_connected':
        forget();
        return { ok: false, reason: 'not_connected', ...action(error?.connectUrl ?? connectUrlFor(requested), scopes) };
      case 'reconnect_required': {
        forget();
        const cause = (RECONNECT_REASONS.includes(error?.reason ?? '') ? error?.reason : 'unknown') as ReconnectReason;
        return {
          ok: false,
          reason: 'reconnect_required',
          cause,
          ...action(error?.connectUrl ?? connectUrlFor(requested), scopes),
        };
      }
      default:
        return undefined;
    }
  };

  const fetchToken = async (
    requested: readonly string[],
    scopes: readonly string[],
    current: Session,
    minValidityMs: number,
    minValiditySeconds: number | undefined,
  ): Promise<GoogleTokenResult> => {
    const startedIn = generation;
    const query = new URLSearchParams();
    for (const scope of requested) query.append('scope', scope);
    if (minValiditySeconds !== undefined) query.set('minValiditySeconds', String(minValiditySeconds));
    let retried = false;
    for (;;) {
      const reply = await send('GET', routes.token, current, { query });
      if (reply.status === 200) {
        const token = wireToken(reply.body);
        if (!token) throw unexpected(reply, 'the token request');
        if (startedIn === generation) cache.put(token, Date.parse(token.expiresAt));
        return { ok: true, token };
      }
      const error = wireError(reply.body);
      const code =
        error?.code ?? (reply.status === 401 ? 'unauthenticated' : reply.status === 503 ? 'upstream_unavailable' : '');
      const refused = refusal(code, error, requested, scopes);
      if (refused) return refused;
      switch (code) {
        case 'upstream_unavailable': {
          const after = retryAfterSeconds(reply.headers.get('retry-after'), clock.now()) ?? 1;
          if (!retried && after <= maxRetryAfter) {
            retried = true;
            await wait(after * 1000);
            continue;
          }
          // Google is unreachable but the token we hold has not expired: it is still better than nothing.
          const stillValid =
            startedIn === generation ? cache.find(scopes, clock.now(), Math.min(minValidityMs, 1)) : undefined;
          if (stillValid) return { ok: true, token: stillValid };
          throw new TokenbridgeClientError(
            'upstream_unavailable',
            error?.message ?? 'Google is unavailable right now.',
            {
              status: reply.status,
              retryAfterSeconds: after,
            },
          );
        }
        default:
          throw unexpected(reply, 'the token request');
      }
    }
  };

  return {
    async getGoogleToken(requested, callOptions = {}) {
      const current = await session();
      enter(current);
      if (current === null) return { ok: false, reason: 'unauthenticated' };
      const scopes = canonical(requested);
      const minValidityMs = (callOptions.minValiditySeconds ?? defaultMinValidity) * 1000;
      const cached = cache.find(scopes, clock.now(), minValidityMs);
      if (cached) return { ok: true, token: cached };
      const key = scopes.join(' ');
      const shared = inFlight.get(key);
      if (shared) return shared;
      const flight = fetchToken(requested, scopes, current, minValidityMs, callOptions.minValiditySeconds).finally(
        () => {
          if (inFlight.get(key) === flight) inFlight.delete(key);
        },
      );
      inFlight.set(key, flight);
      return flight;
    },

    async connection(callOptions = {}) {
      const current = await session();
      enter(current);
      if (current === null) return { ok: false, reason: 'unauthenticated' };
      const query = new URLSearchParams(callOptions.checkWithGoogle ? { check: 'google' } : {});
      const reply = await send('GET', routes.connection, current, { query });
      if (reply.status === 401) return { ok: false, reason: 'unauthenticated' };
      const body = (typeof reply.body === 'object' && reply.body !== null ? reply.body : {}) as Record<string, unknown>;
      const connectUrl = withReturnTo(
        typeof body.connectUrl === 'string' ? body.connectUrl : connectUrlFor([]),
        undefined,
      );
      if (reply.status === 200) {
        const connection = body.connection === null ? null : wireConnection(body);
        if (connection !== undefined) return { ok: true, connection, connectUrl };
      }
      throw unexpected(reply, 'the connection request');
    },

    async disconnect() {
      const current = await session();
      enter(current);
      if (current === null) return { ok: false, reason: 'unauthenticated' };
      const reply = await send('DELETE', routes.connection, current);
      if (reply.status === 401) return { ok: false, reason: 'unauthenticated' };
      forget();
      if (reply.status >= 200 && reply.status < 300) return { ok: true };
      throw unexpected(reply, 'the disconnect request');
    },

    invalidate(accessToken) {
      forget(accessToken);
    },

    connectUrl(scopes, connectOptions = {}) {
      return connectUrlFor(scopes, connectOptions.returnTo);
    },

    connect(scopes, connectOptions = {}) {
      navigate(connectUrlFor(scopes, connectOptions.returnTo));
    },

    connectWithPopup(scopes) {
      return popupFor(scopes);
    },

    async googleApi(api, path, init = {}) {
      const current = await session();
      enter(current);
      if (current === null) return { ok: false, reason: 'unauthenticated' };
      const reply = await send(
        init.method ?? 'GET',
        `${routes.proxy}/${api}/${path.replace(/^\/+/, '')}`,
        current,
        init.json === undefined ? {} : { json: init.json },
      );
      if (reply.status >= 200 && reply.status < 300) return { ok: true, status: reply.status, body: reply.body };
      const error = wireError(reply.body);
      if (error) {
        // The bridge's own refusal (its codes are words; Google's are numbers).
        const refused = refusal(error.code, error, [], []);
        if (refused) return refused;
        throw new TokenbridgeClientError(error.code, error.message, {
          status: reply.status,
          ...retryAfter(reply),
        });
      }
      if (reply.status === 401 && !isGoogleError(reply.body)) return { ok: false, reason: 'unauthenticated' };
      const google = googleError(reply.body);
      return {
        ok: false,
        reason: 'google_error',
        status: reply.status,
        message: google.message ?? `Google answered HTTP ${reply.status}.`,
        googleReason: google.reason,
        retryAfterSeconds: retryAfterSeconds(reply.headers.get('retry-after'), clock.now()),
      };
    },
  };
}

/**
 * The canonical, sorted form of the requested scopes, so `drive.readonly` and its URL share a cache entry and a
 * request. An unknown scope is left as it is: the bridge is the judge and answers `invalid_scope`.
 */
function canonical(scopes: readonly string[]): string[] {
  try {
    return normaliseScopes(scopes);
  } catch {
    return [...new Set(scopes)].sort();
  }
}

/** Google's error body: `{ error: { code: 403, message, status, errors: [{ reason }] } }`. */
function isGoogleError(body: unknown): boolean {
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'object' && error !== null;
}

function googleError(body: unknown): { message: string | undefined; reason: string | undefined } {
  const error = (body as { error?: { message?: unknown; errors?: Array<{ reason?: unknown }> } } | undefined)?.error;
  const reason = Array.isArray(error?.errors) ? error.errors[0]?.reason : undefined;
  return {
    message: typeof error?.message === 'string' ? error.message : undefined,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}
