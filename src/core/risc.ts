import {
  compactVerify,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
} from 'jose';
import { type Clock, systemClock } from '../clock.js';
import { ConfigurationError, RiscTokenInvalidError, UpstreamUnavailableError } from './errors.js';

// What a token-revoked event names, and how stored refresh tokens are indexed for it.
export {
  matchesTokenIdentifier,
  riscEventLookupKey,
  riscTokenIdentifier,
  riscTokenLookupKeys,
} from './risc-token-keys.js';

/** Google's Cross-Account Protection configuration; its `issuer` and `jwks_uri` are what SETs are checked against. */
export const GOOGLE_RISC_CONFIGURATION_URL = 'https://accounts.google.com/.well-known/risc-configuration';

const EVENT_TYPES = {
  'https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked': 'tokens-revoked',
  'https://schemas.openid.net/secevent/oauth/event-type/token-revoked': 'token-revoked',
  'https://schemas.openid.net/secevent/risc/event-type/sessions-revoked': 'sessions-revoked',
  'https://schemas.openid.net/secevent/risc/event-type/account-disabled': 'account-disabled',
  'https://schemas.openid.net/secevent/risc/event-type/account-enabled': 'account-enabled',
  'https://schemas.openid.net/secevent/risc/event-type/account-credential-change-required':
    'account-credential-change-required',
  'https://schemas.openid.net/secevent/risc/event-type/verification': 'verification',
} as const;

/** How a token-revoked event names the token: its first 16 characters, or base64(SHA-512(SHA-512(token))). */
export type TokenIdentifierAlg = 'prefix' | 'hash_base64_sha512_sha512';

/** The account an event is about: Google names it by issuer and `sub` (the id_token's stable numeric subject). */
export type RiscSubject = { type: 'iss-sub'; iss: string; sub: string } | { type: 'email'; email: string };

/** Claims every event of one SET shares. */
export interface RiscEventEnvelope {
  /** The SET's unique id: de-duplicate on it (`bridge.applySecurityEvents` does); verify() does not. */
  jti: string;
  /** The SET's `iat`, in seconds since the epoch. */
  issuedAt: number;
  /** The client id the SET was addressed to (one of the configured audiences). */
  audience: string;
}

/** What one event says, apart from the claims its SET shares. */
export type RiscEventBody =
  | { type: 'tokens-revoked'; subject: RiscSubject }
  | {
      type: 'token-revoked';
      /** `refresh_token` for Google. */
      tokenType: string;
      tokenIdentifierAlg: TokenIdentifierAlg | (string & {});
      /** The identifier, not the token: match it with {@link matchesTokenIdentifier}. */
      token: string;
    }
  | { type: 'sessions-revoked'; subject: RiscSubject }
  | { type: 'account-disabled'; subject: RiscSubject; reason: 'hijacking' | 'bulk-account' | (string & {}) | null }
  | { type: 'account-enabled'; subject: RiscSubject }
  | { type: 'account-credential-change-required'; subject: RiscSubject }
  | { type: 'verification'; state: string | null }
  | { type: 'unknown'; eventType: string };

/** One security event from a verified SET. Unknown event types come back as `unknown`, to be ignored. */
export type RiscEvent = RiscEventEnvelope & RiscEventBody;

export type RiscEventType = RiscEvent['type'];

export interface RiscVerifierOptions {
  /** Where to read `issuer` and `jwks_uri` from, e.g. {@link GOOGLE_RISC_CONFIGURATION_URL}. */
  configurationUrl?: string;
  /** With `jwksUri`, instead of `configurationUrl`. */
  issuer?: string;
  jwksUri?: string;
  /** The OAuth client ids a SET may be addressed to. */
  audiences: readonly string[];
  clock?: Clock;
  /** Used for the configuration and the key set. Default the global fetch. */
  fetch?: typeof fetch;
  /** How long a fetched configuration is trusted. Default one hour. */
  configurationMaxAgeMs?: number;
  /** Least time between two key-set fetches triggered by an unknown kid. Default 30 s. */
  jwksCooldownMs?: number;
  /** How long a key set is trusted. Default ten minutes. */
  jwksMaxAgeMs?: number;
  /** Per-request timeout for the configuration and key-set fetches. Default 5 s. */
  timeoutMs?: number;
}

export interface RiscVerifier {
  /**
   * Verifies a Security Event Token and returns its events. Throws {@link RiscTokenInvalidError} (answer 400) when
   * the token is bad, {@link UpstreamUnavailableError} (answer 5xx, so Google retries) when the configuration or the
   * keys could not be fetched.
   */
  verify(jwt: string): Promise<RiscEvent[]>;
}

/** SETs are small; anything much larger is not one and is refused before any parsing. */
const MAX_SET_LENGTH = 16 * 1024;
// An empty signature is let through to the header check, so `alg: none` is refused as the wrong algorithm.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Absent, or a value that says "a JWT" or "a SET"; anything else (`at+jwt`, …) is another kind of token. */
const ACCEPTED_TYP = new Set(['jwt', 'secevent+jwt', 'application/secevent+jwt']);
const UPSTREAM_RETRY_AFTER_SECONDS = 5;

type KeyGetter = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

interface Trust {
  issuer: string;
  jwksUri: string;
  keys: KeyGetter;
}

const invalid = (reason: string, message: string) => new RiscTokenInvalidError(message, { reason });

/**
 * Creates a verifier of Google's Security Event Tokens, checked as Google prescribes: keys from the `jwks_uri` of the
 * RISC configuration, RS256 only, `iss` equal to the configured issuer, `aud` one of your client ids, and no `exp`
 * check. A replayed `jti` is NOT detected here: de-duplicating is the caller's job.
 *
 * @example
 * const risc = createRiscVerifier({ configurationUrl: GOOGLE_RISC_CONFIGURATION_URL, audiences: [clientId] });
 * for (const event of await risc.verify(body)) if (event.type === 'tokens-revoked') markRevoked(event.subject);
 */
export function createRiscVerifier(options: RiscVerifierOptions): RiscVerifier {
  const audiences = new Set(options.audiences);
  if (audiences.size === 0 || [...audiences].some((a) => typeof a !== 'string' || a === '')) {
    throw new ConfigurationError('The RISC verifier needs at least one OAuth client id as audience.');
  }
  const direct = options.issuer !== undefined || options.jwksUri !== undefined;
  if (direct === (options.configurationUrl !== undefined)) {
    throw new ConfigurationError('Give the RISC verifier either configurationUrl, or issuer and jwksUri.');
  }
  if (direct && (!options.issuer || !options.jwksUri || !URL.canParse(options.jwksUri))) {
    throw new ConfigurationError('The RISC verifier needs both issuer and a jwksUri URL.');
  }
  if (options.configurationUrl !== undefined && !URL.canParse(options.configurationUrl)) {
    throw new ConfigurationError('The RISC configurationUrl is not a URL.');
  }
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const configurationMaxAgeMs = options.configurationMaxAgeMs ?? 3_600_000;

  const keySet = (jwksUri: string): KeyGetter => {
    const remote = createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
      timeoutDuration: timeoutMs,
      [customFetch]: (url, init) => fetchImpl(url, init),
    });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        // Only a key set that answered but lacks the kid is the token's fault; anything else is Google being away.
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
          throw invalid('unknown_key', 'The security event token is signed with an unknown key.');
        }
        throw new UpstreamUnavailableError('google', UPSTREAM_RETRY_AFTER_SECONDS, error);
      }
    };
  };

  let trust: Trust | undefined = direct
    ? { issuer: options.issuer!, jwksUri: options.jwksUri!, keys: keySet(options.jwksUri!) }
    : undefined;
  let trustedUntil = direct ? Number.POSITIVE_INFINITY : 0;
  let loading: Promise<Trust> | undefined;

  const loadConfiguration = async (): Promise<Trust> => {
    let document: unknown;
    try {
      const response = await fetchImpl(options.configurationUrl!, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw new Error(`RISC configuration answered HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw new UpstreamUnavailableError('google', UPSTREAM_RETRY_AFTER_SECONDS, error);
    }
    const { issuer, jwks_uri: jwksUri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof issuer !== 'string' || issuer === '' || typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
      throw new UpstreamUnavailableError(
        'google',
        UPSTREAM_RETRY_AFTER_SECONDS,
        new Error('The RISC configuration lacks issuer or jwks_uri.'),
      );
    }
    // Keep the key cache when the configuration did not change.
    return trust !== undefined && trust.issuer === issuer && trust.jwksUri === jwksUri
      ? trust
      : { issuer, jwksUri, keys: keySet(jwksUri) };
  };

  const currentTrust = async (): Promise<Trust> => {
    if (trust !== undefined && clock.now() < trustedUntil) return trust;
    loading ??= loadConfiguration()
      .then((loaded) => {
        trust = loaded;
        trustedUntil = clock.now() + configurationMaxAgeMs;
        return loaded;
      })
      .catch((error: unknown) => {
        // A configuration fetched before stays usable while Google's is unreachable.
        if (trust !== undefined) return trust;
        throw error;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return {
    async verify(jwt) {
      if (typeof jwt !== 'string' || jwt.length > MAX_SET_LENGTH || !COMPACT_JWS.test(jwt.trim())) {
        throw invalid('malformed', 'The security event token is not a compact JWS.');
      }
      const token = jwt.trim();
      let header: JWSHeaderParameters;
      try {
        header = decodeProtectedHeader(token) as JWSHeaderParameters;
      } catch {
        throw invalid('malformed', 'The security event token header is not valid JSON.');
      }
      if (header.alg !== 'RS256') throw invalid('algorithm', 'Security event tokens must be signed with RS256.');
      if (header.typ !== undefined && !ACCEPTED_TYP.has(String(header.typ).toLowerCase())) {
        throw invalid('type', 'The token is not a security event token.');
      }
      if (typeof header.kid !== 'string' || header.kid === '') {
        throw invalid('unknown_key', 'The security event token names no key.');
      }

      const { issuer, keys } = await currentTrust();
      let payloadBytes: Uint8Array;
      try {
        ({ payload: payloadBytes } = await compactVerify(token, keys, { algorithms: ['RS256'] }));
      } catch (error) {
        if (error instanceof RiscTokenInvalidError || error instanceof UpstreamUnavailableError) throw error;
        if (error instanceof errors.JWSSignatureVerificationFailed) {
          throw invalid('signature', 'The security event token signature does not verify.');
        }
        if (error instanceof errors.JOSEAlgNotAllowed) {
          throw invalid('algorithm', 'Security event tokens must be signed with RS256.');
        }
        throw invalid('malformed', 'The security event token is malformed.');
      }
      return readEvents(payloadBytes, issuer, audiences);
    },
  };
}

function readEvents(bytes: Uint8Array, issuer: string, audiences: ReadonlySet<string>): RiscEvent[] {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('malformed', 'The security event token payload is not JSON.');
  }
  if (!isObject(payload)) throw invalid('malformed', 'The security event token payload is not a JSON object.');
  if (payload['iss'] !== issuer) throw invalid('issuer', 'The security event token has the wrong issuer.');
  const aud = payload['aud'];
  const audience = (Array.isArray(aud) ? aud : [aud]).find(
    (a): a is string => typeof a === 'string' && audiences.has(a),
  );
  if (audience === undefined) throw invalid('audience', 'The security event token is not addressed to this app.');
  const { jti, iat, events } = payload;
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) {
    throw invalid('claims', 'The security event token has no valid jti.');
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw invalid('claims', 'The security event token has no valid iat.');
  }
  if (!isObject(events) || Object.keys(events).length === 0) {
    throw invalid('claims', 'The security event token carries no events.');
  }
  const envelope: RiscEventEnvelope = { jti, issuedAt: iat, audience };
  return Object.entries(events).map(([uri, claim]) => ({ ...envelope, ...readEvent(uri, claim) }));
}

function readEvent(uri: string, claim: unknown): RiscEventBody {
  const type = (EVENT_TYPES as Record<string, Exclude<RiscEventType, 'unknown'> | undefined>)[uri];
  if (type === undefined) return { type: 'unknown', eventType: uri };
  if (!isObject(claim)) throw invalid('claims', `The ${type} event is not a JSON object.`);
  switch (type) {
    case 'verification':
      return { type, state: typeof claim['state'] === 'string' ? claim['state'] : null };
    case 'token-revoked': {
      const subject = claim['subject'];
      if (
        !isObject(subject) ||
        subject['subject_type'] !== 'oauth_token' ||
        typeof subject['token_identifier_alg'] !== 'string' ||
        typeof subject['token'] !== 'string' ||
        subject['token'] === ''
      ) {
        throw invalid('claims', 'The token-revoked event has no valid oauth_token subject.');
      }
      return {
        type,
        tokenType: typeof subject['token_type'] === 'string' ? subject['token_type'] : 'refresh_token',
        tokenIdentifierAlg: subject['token_identifier_alg'],
        token: subject['token'],
      };
    }
    case 'account-disabled':
      return {
        type,
        subject: readSubject(type, claim['subject']),
        reason: typeof claim['reason'] === 'string' ? claim['reason'] : null,
      };
    case 'tokens-revoked':
    case 'sessions-revoked':
    case 'account-enabled':
    case 'account-credential-change-required':
      return { type, subject: readSubject(type, claim['subject']) };
    default:
      return { type: 'unknown', eventType: uri };
  }
}

function readSubject(type: string, subject: unknown): RiscSubject {
  if (isObject(subject)) {
    const format = subject['subject_type'] ?? subject['format'];
    // Google writes `iss-sub`; the SSE subject-identifier spec spells it `iss_sub`.
    if ((format === 'iss-sub' || format === 'iss_sub') && nonEmpty(subject['iss']) && nonEmpty(subject['sub'])) {
      return { type: 'iss-sub', iss: subject['iss'], sub: subject['sub'] };
    }
    if (format === 'email' && nonEmpty(subject['email'])) return { type: 'email', email: subject['email'] };
  }
  throw invalid('claims', `The ${type} event has no subject this receiver understands.`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';
