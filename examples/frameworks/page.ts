// The page's side, the same whichever adapter serves the routes. In your app import from 'tokenbridge/client'.
import { createTokenbridgeClient } from '../../src/client/index.js';

declare const Clerk: { session?: { getToken(): Promise<string | null> } | null };

export const tokenbridge = createTokenbridgeClient({
  baseUrl: '/api/tokenbridge',
  getSessionToken: () => Clerk.session?.getToken() ?? null,
});

export async function showDriveToken(): Promise<string> {
  const result = await tokenbridge.getGoogleToken(['drive.readonly']);
  if (result.ok) return result.token.accessToken;
  if (result.reason === 'unauthenticated') return 'Sign in first.';
  result.connect(); // to Google's consent and back to this page
  return 'Connecting Google…';
}
