import { ClientAuthentication, type GenerateAuthUrlOpts, OAuth2Client } from 'google-auth-library';
import {
  type ConsentOptions,
  completeConsent,
  type GoogleEmulator,
  googleEndpoints,
  startGoogleEmulator,
} from '../../../src/sandbox/google/index.js';
import type { ManualClock } from '../../../src/sandbox/kit/clock.js';
import { FrozenClock } from '../../support/frozen-clock.js';

export const ADA = 'ada@example.com';
export const GRACE = 'grace@example.com';
/** The seeded Workspace account (with `hd`). */
export const LINUS = 'linus@acme.test';

export const APP = {
  clientId: '555-conformance.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-conformance',
  redirectUri: 'http://127.0.0.1:9/oauth/callback',
};
export const TESTING_APP = {
  clientId: '777-testing.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-testing',
  redirectUri: 'http://127.0.0.1:9/testing/callback',
};

export const DRIVE_READONLY = 'https://www.googleapis.com/auth/drive.readonly';
export const CONTACTS_READONLY = 'https://www.googleapis.com/auth/contacts.readonly';
export const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
export const USERINFO_PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';

export interface Harness {
  google: GoogleEmulator;
  clock: ManualClock;
  /** An OAuth2Client of the conformance app, pointed at the emulator. */
  oauthClient(options?: Partial<typeof APP> & { basic?: boolean }): OAuth2Client;
  /** Runs the whole browser part and returns the callback URL. */
  authorize(client: OAuth2Client, params: GenerateAuthUrlOpts, consent?: ConsentOptions): Promise<URL>;
  close(): Promise<void>;
}

/** Starts an emulator on port 0 with a manual clock (set to the real time, since GAL checks id_tokens with Date.now()). */
export async function startHarness(): Promise<Harness> {
  const clock = new FrozenClock();
  const google = await startGoogleEmulator({
    clock,
    clients: [
      {
        clientId: APP.clientId,
        clientSecret: APP.clientSecret,
        redirectUris: [APP.redirectUri],
        name: 'Conformance App',
      },
      {
        clientId: TESTING_APP.clientId,
        clientSecret: TESTING_APP.clientSecret,
        redirectUris: [TESTING_APP.redirectUri],
        publishingStatus: 'testing',
        name: 'Testing App',
      },
    ],
  });
  const oauthClient = (options: Partial<typeof APP> & { basic?: boolean } = {}) =>
    new OAuth2Client({
      clientId: options.clientId ?? APP.clientId,
      clientSecret: options.clientSecret ?? APP.clientSecret,
      redirectUri: options.redirectUri ?? APP.redirectUri,
      endpoints: googleEndpoints(google.url),
      ...(options.basic === true ? { clientAuthentication: ClientAuthentication.ClientSecretBasic } : {}),
    });
  return {
    google,
    clock,
    oauthClient,
    authorize: (client, params, consent = { account: ADA }) => completeConsent(client.generateAuthUrl(params), consent),
    close: () => google.close(),
  };
}

/** The error body of a GaxiosError (what Google answered). */
export function googleError(error: unknown): { status?: number; data?: Record<string, unknown>; message: string } {
  const e = error as { message: string; status?: number; response?: { status: number; data: Record<string, unknown> } };
  return { status: e.response?.status, data: e.response?.data, message: e.message };
}

/** Runs `fn`, expecting it to fail, and returns what Google answered. */
export async function failure(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    return googleError(error);
  }
  throw new Error('expected the call to fail');
}
