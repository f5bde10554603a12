import { type ClerkClient, createClerkClient } from '@clerk/backend';
import { type ClerkEmulator, type ClerkEmulatorOptions, startClerkEmulator } from '../../../src/sandbox/clerk/index.js';
import { type GoogleEmulator, startGoogleEmulator } from '../../../src/sandbox/google/index.js';
import type { ManualClock } from '../../../src/sandbox/kit/clock.js';
import { FrozenClock } from '../../support/frozen-clock.js';

process.env.CLERK_TELEMETRY_DISABLED = '1';

/** The OAuth client the Clerk instance uses at Google ("custom credentials" in Clerk's dashboard). */
export const CLERK_GOOGLE_CLIENT = {
  clientId: '9000-clerk-sandbox.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-clerk-sandbox',
};

export const ADA = 'ada@example.com';
export const GRACE = 'grace@example.com';
export const DRIVE_READONLY = 'https://www.googleapis.com/auth/drive.readonly';
export const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

/** A Clerk emulator wired to a Google emulator, sharing one manual clock set to real time. */
export interface ClerkWorld {
  clerk: ClerkEmulator;
  google: GoogleEmulator;
  /**
   * Starts at the real time: `verifyToken` and `verifyWebhook` check times against `Date.now()`, so tokens and
   * signatures minted on this clock must be current for them.
   */
  clock: ManualClock;
  /** The real `@clerk/backend` client pointed at the emulator. */
  backend: ClerkClient;
  close(): Promise<void>;
}

/** Starts both emulators on port 0 and registers Clerk's callback at Google. */
export async function startWorld(
  options: Partial<Omit<ClerkEmulatorOptions, 'google' | 'clock'>> = {},
): Promise<ClerkWorld> {
  const clock = new FrozenClock();
  const google = await startGoogleEmulator({ clock, clients: [] });
  const clerk = await startClerkEmulator({
    rateLimit: false,
    ...options,
    clock,
    google: { url: google.url, ...CLERK_GOOGLE_CLIENT },
  });
  google.control.registerClient({
    ...CLERK_GOOGLE_CLIENT,
    redirectUris: [clerk.googleCallbackUrl],
    name: 'Clerk sandbox',
  });
  const backend = createClerkClient({ secretKey: clerk.secretKey, apiUrl: clerk.url });
  return {
    clerk,
    google,
    clock,
    backend,
    close: async () => {
      await clerk.close();
      await google.close();
    },
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}
