// The bridge as a library inside a Next.js app (App Router). In your app import from 'tokenbridge' instead of the
// relative path; this example builds against the repository's source so it is typechecked with it.
import { verifyToken } from '@clerk/backend';
import {
  createTokenBridge,
  Keyring,
  openStore,
  type TokenBridge,
  TokenBridgeError,
  UnauthenticatedError,
} from '../../../src/index.js';

let bridge: Promise<TokenBridge> | undefined;

/** One bridge per server process, created on first use (route modules are evaluated once per worker). */
export function tokenBridge(): Promise<TokenBridge> {
  bridge ??= (async () => {
    const env = process.env;
    const store = await openStore(env.DATABASE_URL ?? './data/tokenbridge.db');
    await store.migrate();
    return createTokenBridge({
      store,
      keyring: Keyring.parse(required('TOKENBRIDGE_ENCRYPTION_KEYS')),
      google: {
        clientId: required('GOOGLE_CLIENT_ID'),
        clientSecret: required('GOOGLE_CLIENT_SECRET'),
        redirectUri: `${required('APP_URL')}/api/google/callback`,
        // Only the sandbox sets this (one origin for every Google endpoint); production talks to Google.
        ...(env.GOOGLE_BASE_URL ? { baseUrl: env.GOOGLE_BASE_URL } : {}),
      },
      // The Google account users linked when signing in with Clerk is used when it already has the scopes.
      clerk: {
        secretKey: required('CLERK_SECRET_KEY'),
        ...(env.CLERK_API_URL ? { apiUrl: env.CLERK_API_URL } : {}),
      },
      connectUrl: (scopes) => `/api/google/connect?${new URLSearchParams(scopes.map((scope) => ['scope', scope]))}`,
    });
  })();
  return bridge;
}

/**
 * The signed-in Clerk user of a request: the `Authorization: Bearer` session token or the `__session` cookie,
 * verified with `@clerk/backend` (with `@clerk/nextjs` you would call `auth()` instead).
 */
export async function signedInUser(request: Request): Promise<string> {
  const header = request.headers.get('authorization');
  const cookie = /(?:^|;\s*)__session=([^;]+)/.exec(request.headers.get('cookie') ?? '')?.[1];
  const token = header?.startsWith('Bearer ') ? header.slice(7) : cookie;
  if (!token) throw new UnauthenticatedError();
  try {
    const claims = await verifyToken(token, {
      secretKey: required('CLERK_SECRET_KEY'),
      ...(process.env.CLERK_API_URL ? { apiUrl: process.env.CLERK_API_URL } : {}),
      authorizedParties: [new URL(required('APP_URL')).origin],
    });
    return claims.sub;
  } catch {
    throw new UnauthenticatedError('The session token did not verify.');
  }
}

/** A typed bridge error as the JSON answer the browser client understands; anything else is a 500. */
export function errorResponse(error: unknown): Response {
  if (error instanceof TokenBridgeError) {
    return Response.json(
      { error: { code: error.code, message: error.message, ...error.details } },
      {
        status: error.status,
      },
    );
  }
  return Response.json({ error: { code: 'internal_error', message: 'Something went wrong.' } }, { status: 500 });
}

/** Where Google's APIs live: the real host, or the sandbox's emulator. */
export function googleApisUrl(): string {
  return process.env.GOOGLE_BASE_URL ?? 'https://www.googleapis.com';
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
