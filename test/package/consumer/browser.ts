// A consumer's page code, typechecked with the DOM library and no Node types: the browser client alone.
import {
  createTokenbridgeClient,
  type GoogleTokenResult,
  type TokenbridgeClient,
  TokenbridgeClientError,
} from 'tokenbridge/client';

declare const Clerk: { session: { getToken(): Promise<string | null> } };

const bridge: TokenbridgeClient = createTokenbridgeClient({ getSessionToken: () => Clerk.session.getToken() });

export async function driveToken(): Promise<string | undefined> {
  try {
    const result: GoogleTokenResult = await bridge.getGoogleToken(['drive.readonly']);
    if (result.ok) return result.token.accessToken;
    if (result.reason !== 'unauthenticated') result.connect();
    return undefined;
  } catch (error) {
    if (error instanceof TokenbridgeClientError) document.title = error.code;
    throw error;
  }
}
