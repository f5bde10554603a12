import { verifyToken } from '@clerk/backend';
import type { Clock } from '../clock.js';
import { UnauthenticatedError } from '../core/errors.js';
import { ClerkKeySet } from './clerk-key-set.js';
import { MAX_CREDENTIAL_LENGTH } from './credentials.js';

/** Who a verified Clerk session token belongs to. */
export interface SessionIdentity {
  userId: string;
  sessionId: string | null;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface SessionVerifierOptions {
  /** PEM public key: verification uses no network when set. */
  jwtKey?: string | undefined;
  /** Used to fetch JWKS from `apiUrl` when no `jwtKey` is given. */
  secretKey: string;
  apiUrl?: string | undefined;
  authorizedParties: string[];
  /** Accepted `iss` values (the Frontend API URL); unchecked when empty. See `issuersFromPublishableKey`. */
  issuers?: string[];
  clock: Clock;
  /** How many verified tokens to remember. Default 10 000. */
  cacheSize?: number;
  /** Without `jwtKey`: least time between two JWKS fetches triggered by unknown kids. Default 30 s. */
  jwksCooldownMs?: number;
  /** Without `jwtKey`: the fetch used for the JWKS. Default the global fetch. */
  fetch?: typeof fetch;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Verifies Clerk session tokens with `@clerk/backend`, remembering each verified token until its `exp`, keyed by
 * the exact token string, so a page that polls does not cost a signature check (or a JWKS fetch) per request.
 *
 * @example
 * const verifier = new SessionVerifier({ secretKey, jwtKey, authorizedParties: ['https://app.example.com'], clock });
 * const { userId } = await verifier.verify(bearerToken);
 */
export class SessionVerifier {
  readonly #options: SessionVerifierOptions;
  readonly #cache = new Map<string, SessionIdentity>();
  readonly #cacheSize: number;
  /** Without `jwtKey`: the JWKS, cached with a cool-down, so forged kids cannot make each request fetch it. */
  readonly #keys: ClerkKeySet | undefined;

  constructor(options: SessionVerifierOptions) {
    this.#options = options;
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#keys = options.jwtKey
      ? undefined
      : new ClerkKeySet({
          secretKey: options.secretKey,
          apiUrl: options.apiUrl,
          clock: options.clock,
          ...(options.jwksCooldownMs === undefined ? {} : { cooldownMs: options.jwksCooldownMs }),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
  }

  /**
   * The identity behind a token this verifier has already verified and that has not expired, without a promise (the
   * hot path: a page polling with the same token); undefined when `verify` has to decide.
   */
  recall(token: string): SessionIdentity | undefined {
    const cached = this.#cache.get(token);
    return cached !== undefined && cached.expiresAt > this.#options.clock.now() / 1000 ? cached : undefined;
  }

  /**
   * Resolves the identity behind `token`, or throws UnauthenticatedError. `graceSeconds` accepts a token that
   * expired that long ago: the OAuth callback uses it because the short-lived cookie can lapse during consent.
   */
  async verify(token: string, options: { graceSeconds?: number } = {}): Promise<SessionIdentity> {
    if (token.length > MAX_CREDENTIAL_LENGTH || !TOKEN_SHAPE.test(token)) {
      throw new UnauthenticatedError('The session token is malformed.');
    }
    const grace = options.graceSeconds ?? 0;
    const now = this.#options.clock.now() / 1000;
    const cached = this.#cache.get(token);
    if (cached) {
      if (cached.expiresAt + grace > now) return cached;
      if (grace === 0) this.#cache.delete(token);
    }
    // Always a key in hand: given, or from the cached key set, never @clerk/backend's fetch per unknown kid.
    const jwtKey = this.#options.jwtKey ?? (await this.#keys!.publicKey(kidOf(token)));
    let payload: Awaited<ReturnType<typeof verifyToken>>;
    try {
      payload = await verifyToken(token, {
        jwtKey,
        authorizedParties: this.#options.authorizedParties,
        ...(this.#options.issuers && this.#options.issuers.length > 0 ? { issuer: this.#options.issuers } : {}),
        ...(grace > 0 ? { clockSkewInMs: grace * 1000 } : {}),
      });
    } catch (error) {
      throw new UnauthenticatedError(describe(error));
    }
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') {
      throw new UnauthenticatedError('The session token has no subject or expiry.');
    }
    // Clerk's SDKs treat a session that is not active (pending a sign-in task, ended, …) as signed out.
    const status = (payload as { sts?: unknown }).sts;
    if (status !== undefined && status !== 'active') throw new UnauthenticatedError(inactive(status));
    const identity: SessionIdentity = {
      userId: payload.sub,
      sessionId: typeof payload.sid === 'string' ? payload.sid : null,
      expiresAt: payload.exp,
    };
    // Only tokens verified without grace are remembered, so the grace never leaks to other routes.
    if (grace === 0) this.#remember(token, identity);
    return identity;
  }

  /**
   * Full, it forgets from the oldest insertion on: the expired ones it meets first (tokens of one lifetime expire in
   * the order they came), then the oldest live one if that freed nothing. Never a walk over the whole cache: with
   * 10,000 live tokens and a new one per request (clerk-js rotates them every minute), such a walk per insertion cost
   * more than the signature check.
   */
  #remember(token: string, identity: SessionIdentity): void {
    if (this.#cache.size >= this.#cacheSize) {
      const now = this.#options.clock.now() / 1000;
      for (const [key, value] of this.#cache) {
        if (value.expiresAt > now) break;
        this.#cache.delete(key);
      }
      if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    this.#cache.set(token, identity);
  }
}

/**
 * The session-token issuers a publishable key stands for: `pk_test_` + base64(`frontend-api-host$`) names the
 * Frontend API, whose URL is the `iss` of every session token. Plain http is accepted only for a loopback host.
 */
export function issuersFromPublishableKey(publishableKey: string | undefined): string[] {
  const match = /^pk_(?:test|live)_([A-Za-z0-9+/=_-]+)$/.exec(publishableKey ?? '');
  if (!match) return [];
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  if (!decoded.endsWith('$')) return [];
  const host = decoded.slice(0, -1);
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) return [];
  const loopback = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host);
  return loopback ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
}

/** The `kid` of a compact JWS's header; a header that does not parse names no key and is refused. */
function kidOf(token: string): string {
  try {
    const header = JSON.parse(Buffer.from(token.split('.', 1)[0]!, 'base64url').toString('utf8')) as { kid?: unknown };
    if (typeof header?.kid === 'string' && header.kid !== '') return header.kid;
  } catch {
    // Falls through to the refusal below.
  }
  throw new UnauthenticatedError('The session token is invalid.');
}

/** The 401 message for a session whose `sts` is not `active`: Clerk's status names it, anything odd is not echoed. */
function inactive(status: unknown): string {
  const named = typeof status === 'string' && /^[a-z_]{1,32}$/.test(status) ? ` (${status})` : '';
  return `The session is not active${named}: a pending or ended session counts as signed out.`;
}

/** A message for the 401 that names the reason (expired, wrong party, …) but never the token. */
function describe(error: unknown): string {
  const reason = (error as { reason?: unknown } | null)?.reason;
  switch (reason) {
    case 'token-expired':
      return 'The session token has expired.';
    case 'token-not-active-yet':
    case 'token-iat-in-the-future':
      return 'The session token is not valid yet.';
    case 'token-invalid-authorized-parties':
      return 'The session token was issued for another origin (azp).';
    case 'token-invalid-issuer':
      return 'The session token was issued by another Clerk instance.';
    case 'token-invalid-algorithm':
      return 'The session token uses an unsupported algorithm.';
    case 'token-invalid-signature':
    case 'token-verification-failed':
    case 'jwk-kid-mismatch':
      return 'The session token signature does not verify.';
    case 'jwk-remote-failed-to-load':
    case 'jwk-remote-missing':
    case 'jwk-failed-to-resolve':
      return 'The session token could not be verified: Clerk signing keys are unavailable.';
    default:
      return 'The session token is invalid.';
  }
}
