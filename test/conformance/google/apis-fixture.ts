import type { drive_v3 } from '@googleapis/drive';
import { OAuth2Client } from 'google-auth-library';
import { defaultAccounts, type SeedAccount } from '../../../src/sandbox/google/seed.js';
import { type Harness, startHarness } from './harness.js';

export const AUTH = 'https://www.googleapis.com/auth/';

/** The `auth` option of the @googleapis clients (they type it against their own copy of google-auth-library). */
export type ApiAuth = NonNullable<drive_v3.Options['auth']>;

/** Hands a top-level OAuth2Client to an @googleapis client: the same class at run time, another copy for tsc. */
export const apiAuth = (client: OAuth2Client): ApiAuth => client as unknown as ApiAuth;

/** A response header, whatever shape the client's gaxios gives headers in. */
export function header(response: { headers: unknown }, name: string): string | null {
  return (response.headers as Headers).get(name);
}

/** The seeded data of an account, as the emulator serves it (the seed is deterministic). */
export function seeded(email: string): SeedAccount {
  return defaultAccounts().find((a) => a.email === email)!;
}

/** An OAuth2Client that holds only an access token, so google-auth-library never refreshes it behind our back. */
export function bareClient(accessToken: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: accessToken });
  return client;
}

export interface ApisWorld extends Harness {
  /** Runs the real consent flow for `email`, asking for exactly `scopes`, and returns the app's client holding the tokens. */
  connect(email: string, scopes: string[]): Promise<OAuth2Client>;
}

/** The whole Google emulator, with tokens that come from the real authorization-code flow. */
export async function startApis(): Promise<ApisWorld> {
  const harness = await startHarness();
  return {
    ...harness,
    async connect(email, scopes) {
      const client = harness.oauthClient();
      const callback = await harness.authorize(
        client,
        { scope: scopes, access_type: 'offline', prompt: 'consent' },
        { account: email },
      );
      const { tokens } = await client.getToken(callback.searchParams.get('code')!);
      client.setCredentials(tokens);
      return client;
    },
  };
}
