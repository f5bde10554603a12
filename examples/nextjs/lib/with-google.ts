// Calls Google with the signed-in user's token. When Google refuses a token the bridge still held (the user revoked
// access at Google), asks the bridge once more with a forced refresh: it learns of the revocation from Google and
// answers `reconnect_required`, so the page can offer Reconnect instead of an error.
import 'server-only';
import type { GoogleTokenResult } from 'tokenbridge/next';
import { GoogleRefusedToken } from './google-apis';
import { tokenbridge } from './tokenbridge';

export type Refusal = Extract<GoogleTokenResult, { ok: false }>;
export type WithGoogle<T> = { ok: true; value: T } | Refusal;

export async function withGoogle<T>(
  scopes: string[],
  call: (accessToken: string) => Promise<T>,
): Promise<WithGoogle<T>> {
  for (const forceRefresh of [false, true]) {
    const result = await tokenbridge.googleToken(scopes, { forceRefresh });
    if (!result.ok) return result;
    try {
      return { ok: true, value: await call(result.token.accessToken) };
    } catch (error) {
      if (!(error instanceof GoogleRefusedToken) || forceRefresh) throw error;
    }
  }
  throw new Error('unreachable');
}
