// A consumer's server code, typechecked against the installed package's declarations (never run): the library,
// and both emulators as another project's tests would use them.
import {
  createTokenBridge,
  Keyring,
  NotConnectedError,
  openStore,
  type Store,
  type TokenBridge,
  TokenBridgeError,
} from 'tokenbridge';
import { type BrowserSignIn, type ClerkEmulator, signInByEmail, startClerkEmulator } from 'tokenbridge/sandbox/clerk';
import { completeConsent, type GoogleEmulator, startGoogleEmulator } from 'tokenbridge/sandbox/google';

export async function world(): Promise<{ google: GoogleEmulator; clerk: ClerkEmulator; store: Store }> {
  const google = await startGoogleEmulator({ port: 0 });
  const clerk = await startClerkEmulator({ google: { url: google.url, clientId: 'clerk', clientSecret: 'secret' } });
  const store = await openStore(':memory:');
  await store.migrate();
  return { google, clerk, store };
}

export function bridgeFor(google: GoogleEmulator, clerk: ClerkEmulator, store: Store): TokenBridge {
  return createTokenBridge({
    store,
    keyring: Keyring.parse(Keyring.generate('k1')),
    google: {
      clientId: 'app',
      clientSecret: 'secret',
      redirectUri: 'http://localhost:3000/oauth/google/callback',
      baseUrl: google.url,
    },
    clerk: { secretKey: clerk.secretKey, apiUrl: clerk.url },
    connectUrl: (scopes) => `http://localhost:3000/connect/google?${scopes.map((s) => `scope=${s}`).join('&')}`,
  });
}

export async function tokenFor(bridge: TokenBridge, clerk: ClerkEmulator): Promise<string | URL> {
  const ada: BrowserSignIn = await signInByEmail(clerk, 'ada@example.com', { redirectUrl: 'http://localhost:3000/' });
  try {
    const token = await bridge.getAccessToken(ada.userId, { scopes: ['drive.readonly'] });
    return token.accessToken;
  } catch (error) {
    if (error instanceof NotConnectedError)
      return completeConsent(String(error.details.connectUrl), { account: 'ada' });
    if (error instanceof TokenBridgeError) throw new Error(error.code);
    throw error;
  }
}
