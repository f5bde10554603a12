import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { Clock } from '../clock.js';
import { UnauthenticatedError } from '../core/errors.js';

export interface ClerkKeySetOptions {
  /** Authenticates the Backend API's `GET /v1/jwks`. */
  secretKey: string;
  /** Default `https://api.clerk.com`. */
  apiUrl?: string | undefined;
  clock: Clock;
  /** Default the global fetch. */
  fetch?: typeof fetch;
  /** Least time between two fetches, whatever kids tokens name. Default 30 s. */
  cooldownMs?: number;
  /** How long a fetched key set is trusted before it is fetched again. Default one hour. */
  maxAgeMs?: number;
  /** Per-fetch timeout. Default 5 s. */
  timeoutMs?: number;
}

/** After a failed fetch, the next may come this soon (or after the cool-down, if that is shorter). */
const FAILED_FETCH_COOLDOWN_MS = 5_000;

interface Fetched {
  keys: Map<string, string>;
  at: number;
}

/**
 * The Clerk instance's signing keys from the Backend API's JWKS, cached and fetched again at most once per cool-down.
 * `@clerk/backend` alone fetches the JWKS again for every token whose `kid` it has not seen, so forged tokens with
 * random kids would spend the Backend API's quota (and its rate limit) one request each; here a token naming an
 * unknown kid triggers a fetch only when the last one is older than the cool-down, and is refused otherwise.
 *
 * @example
 * const keys = new ClerkKeySet({ secretKey, apiUrl, clock: systemClock });
 * const pem = await keys.publicKey(kid); // SPKI PEM, for verifyToken's jwtKey
 */
export class ClerkKeySet {
  readonly #options: ClerkKeySetOptions;
  readonly #cooldownMs: number;
  readonly #maxAgeMs: number;
  #fetched: Fetched | undefined;
  /** No fetch before this time: a cool-down after each fetch, a shorter one after a failed fetch. */
  #nextFetchAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<Fetched | undefined> | undefined;

  constructor(options: ClerkKeySetOptions) {
    this.#options = options;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#maxAgeMs = options.maxAgeMs ?? 3_600_000;
  }

  /** The PEM public key for `kid`, or UnauthenticatedError: unknown kid, or the keys cannot be fetched. */
  async publicKey(kid: string): Promise<string> {
    const now = this.#options.clock.now();
    let fetched = this.#fetched;
    const fresh = fetched !== undefined && now - fetched.at < this.#maxAgeMs;
    if ((!fresh || !fetched?.keys.has(kid)) && now >= this.#nextFetchAt) {
      fetched = (await this.#refresh()) ?? fetched;
    }
    const key = fetched?.keys.get(kid);
    if (key !== undefined) return key;
    if (fetched === undefined) {
      throw new UnauthenticatedError('The session token could not be verified: Clerk signing keys are unavailable.');
    }
    throw new UnauthenticatedError('The session token signature does not verify.');
  }

  /** One fetch at a time; a failure keeps the previous key set (Clerk rotates keys rarely) and resolves undefined. */
  #refresh(): Promise<Fetched | undefined> {
    this.#inFlight ??= (async () => {
      const started = this.#options.clock.now();
      this.#nextFetchAt = started + this.#cooldownMs;
      try {
        const keys = await this.#load();
        this.#fetched = { keys, at: this.#options.clock.now() };
        return this.#fetched;
      } catch {
        // Clerk unreachable: try again sooner, so a blip does not refuse every session for a whole cool-down.
        this.#nextFetchAt = started + Math.min(this.#cooldownMs, FAILED_FETCH_COOLDOWN_MS);
        return undefined;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  async #load(): Promise<Map<string, string>> {
    const url = new URL('v1/jwks', `${(this.#options.apiUrl ?? 'https://api.clerk.com').replace(/\/*$/, '')}/`);
    const response = await (this.#options.fetch ?? fetch)(url, {
      headers: { authorization: `Bearer ${this.#options.secretKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5_000),
    });
    if (!response.ok) throw new Error(`Clerk JWKS answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    const keys = new Map<string, string>();
    for (const jwk of Array.isArray(body.keys) ? (body.keys as JsonWebKey[]) : []) {
      if (typeof jwk.kid !== 'string' || jwk.kty !== 'RSA') continue;
      try {
        keys.set(
          jwk.kid,
          createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string,
        );
      } catch {
        // A key this runtime cannot read is skipped; tokens naming it are refused as unknown.
      }
    }
    if (keys.size === 0) throw new Error('Clerk JWKS holds no RSA key');
    return keys;
  }
}
