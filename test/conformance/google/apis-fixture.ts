import type { drive_v3 } from '@googleapis/drive';
import Fastify from 'fastify';
import { OAuth2Client } from 'google-auth-library';
import {
  type AccessTokenInfo,
  type GoogleApisControl,
  registerGoogleApis,
} from '../../../src/sandbox/google/apis/index.js';
import { defaultAccounts, SEED_EPOCH, type SeedAccount } from '../../../src/sandbox/google/seed.js';
import { ManualClock } from '../../../src/sandbox/kit/clock.js';

export const AUTH = 'https://www.googleapis.com/auth/';

/** The `auth` option of the @googleapis clients (they type it against their own copy of google-auth-library). */
export type ApiAuth = NonNullable<drive_v3.Options['auth']>;

/** Hands a top-level OAuth2Client to an @googleapis client: the same class at run time, another copy for tsc. */
export const apiAuth = (client: OAuth2Client): ApiAuth => client as unknown as ApiAuth;

/** A response header, whatever shape the client's gaxios gives headers in. */
export function header(response: { headers: unknown }, name: string): string | null {
  return (response.headers as Headers).get(name);
}

export interface ApisWorld {
  url: string;
  clock: ManualClock;
  accounts: SeedAccount[];
  control: GoogleApisControl;
  /** An OAuth2Client holding a fresh access token for `email` with `scopes`. */
  authFor(email: string, scopes: string[]): OAuth2Client;
  /** Kills a token as the OAuth side would on revoke or expiry. */
  revoke(client: OAuth2Client): void;
  close(): Promise<void>;
}

/** The APIs on a bare Fastify app, with tokens minted directly instead of through consent. */
export async function startApis(): Promise<ApisWorld> {
  const clock = new ManualClock(SEED_EPOCH);
  const accounts = defaultAccounts();
  const tokens = new Map<string, AccessTokenInfo>();
  const app = Fastify();
  const control = registerGoogleApis(app, { lookupAccessToken: (t) => tokens.get(t) ?? null, clock, accounts });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let n = 0;
  return {
    url,
    clock,
    accounts,
    control,
    authFor(email, scopes) {
      const account = accounts.find((a) => a.email === email)!;
      const token = `ya29.test-${++n}`;
      tokens.set(token, { sub: account.sub, clientId: '1234-test.apps.googleusercontent.com', scopes });
      const client = new OAuth2Client();
      client.setCredentials({ access_token: token, expiry_date: Date.now() + 3600_000 });
      return client;
    },
    revoke(client) {
      tokens.delete(client.credentials.access_token!);
    },
    close: () => app.close(),
  };
}
