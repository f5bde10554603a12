import type { FastifyRequest } from 'fastify';
import type { SeedAccount } from '../seed.js';
import { GoogleApiError } from './errors.js';
import { one, type Query } from './params.js';

/** What the OAuth side of the emulator knows about a live access token. */
export interface AccessTokenInfo {
  sub: string;
  clientId: string;
  scopes: string[];
}

/** Who is calling: the account behind a valid access token, and what the token allows. */
export interface Caller {
  account: SeedAccount;
  clientId: string;
  scopes: ReadonlySet<string>;
}

/** One API method as Google's front end knows it, for scope checks and error details. */
export interface ApiMethod {
  /** e.g. `drive.googleapis.com`. */
  service: string;
  /** The RPC name Google reports in `details[0].metadata.method`. */
  method: string;
  /** Scopes any one of which lets a token call the method (from Google's discovery documents). */
  scopes: readonly string[];
}

const REALM = 'Bearer realm="https://accounts.google.com/"';
const SEE = 'See https://developers.google.com/identity/sign-in/web/devconsole-project.';

function missingCredentials(): GoogleApiError {
  return new GoogleApiError(
    401,
    'UNAUTHENTICATED',
    `Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. ${SEE}`,
    [
      {
        message: 'Login Required.',
        domain: 'global',
        reason: 'required',
        location: 'Authorization',
        locationType: 'header',
      },
    ],
    { headers: { 'www-authenticate': REALM } },
  );
}

function invalidCredentials(): GoogleApiError {
  return new GoogleApiError(
    401,
    'UNAUTHENTICATED',
    `Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. ${SEE}`,
    [
      {
        message: 'Invalid Credentials',
        domain: 'global',
        reason: 'authError',
        location: 'Authorization',
        locationType: 'header',
      },
    ],
    { headers: { 'www-authenticate': `${REALM}, error="invalid_token"` } },
  );
}

/** The access token of a request: `Authorization: Bearer …` first, else the `access_token` query parameter. */
function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.trim() !== '') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
    // Any other scheme, or a malformed Bearer header, counts as a credential that does not verify.
    return match ? match[1]! : '';
  }
  const fromQuery = one(request.query as Query, 'access_token');
  return fromQuery === undefined || fromQuery === '' ? undefined : fromQuery;
}

/**
 * Resolves the caller of a request or throws Google's 401: "Login Required" when no credential came,
 * "Invalid Credentials" when one came that is unknown, expired or revoked.
 */
export function authenticate(
  request: FastifyRequest,
  lookup: (token: string) => AccessTokenInfo | null,
  accounts: readonly SeedAccount[],
): Caller {
  const token = presentedToken(request);
  if (token === undefined) throw missingCredentials();
  const info = token === '' ? null : lookup(token);
  const account = info ? accounts.find((a) => a.sub === info.sub) : undefined;
  if (!info || !account) throw invalidCredentials();
  return { account, clientId: info.clientId, scopes: new Set(info.scopes.flatMap(expandScope)) };
}

/** Google grants `email`/`profile` under their `userinfo.*` names too. */
function expandScope(scope: string): string[] {
  if (scope === 'email') return [scope, 'https://www.googleapis.com/auth/userinfo.email'];
  if (scope === 'profile') return [scope, 'https://www.googleapis.com/auth/userinfo.profile'];
  return [scope];
}

/** Throws Google's 403 `ACCESS_TOKEN_SCOPE_INSUFFICIENT` unless the caller holds one of the method's scopes. */
export function authorize(caller: Caller, method: ApiMethod): void {
  if (method.scopes.some((scope) => caller.scopes.has(scope))) return;
  throw new GoogleApiError(
    403,
    'PERMISSION_DENIED',
    'Request had insufficient authentication scopes.',
    [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    {
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
          domain: 'googleapis.com',
          metadata: { service: method.service, method: method.method },
        },
      ],
      headers: {
        'www-authenticate': `${REALM}, error="insufficient_scope", scope="${method.scopes.join(' ')}"`,
      },
    },
  );
}
