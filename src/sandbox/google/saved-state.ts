import { z } from 'zod';
import { StateFileError } from '../kit/state-file.js';
import type { OAuthClient } from './clients.js';
import type { SavedKey } from './keys.js';
import type { OAuthStateContents } from './oauth-state.js';
import type { BrowserSession } from './sessions.js';

/**
 * What a Google emulator keeps across restarts (the `stateFile` option): the registered OAuth clients, every grant,
 * code and token, the browsers' Google sign-ins and the id_token signing keys. A refresh token handed out before a
 * restart still works after it. The APIs' data (Drive files written, mail sent), faults and counters are not kept.
 */
export interface SavedGoogleState {
  version: 1;
  clients: OAuthClient[];
  oauth: OAuthStateContents;
  sessions: BrowserSession[];
  keys: SavedKey[];
}

const record = z.record(z.string(), z.unknown());
const savedSchema = z.object({
  version: z.literal(1),
  clients: z.array(record),
  oauth: z.object({
    grants: z.array(record.and(z.object({ sub: z.string(), clientId: z.string(), scopes: z.array(z.string()) }))),
    codes: z.array(record.and(z.object({ code: z.string() }))),
    refreshTokens: z.array(record.and(z.object({ token: z.string() }))),
    accessTokens: z.array(record.and(z.object({ token: z.string() }))),
  }),
  sessions: z.array(z.object({ id: z.string(), accounts: z.array(z.string()) })),
  keys: z
    .array(
      z.object({
        kid: z.string().min(1),
        privateJwk: record.and(z.object({ n: z.string(), e: z.string(), d: z.string() })),
        pem: z.string(),
      }),
    )
    .min(1),
});

/** A state file's contents checked as a saved Google state; throws {@link StateFileError} naming the file otherwise. */
export function parseSavedGoogleState(value: unknown, path: string): SavedGoogleState {
  const parsed = savedSchema.safeParse(value);
  if (!parsed.success) throw new StateFileError(path, 'it is not a saved Google emulator state');
  // Written by this emulator; checked as a whole above, and clients again one by one as they are registered.
  return parsed.data as unknown as SavedGoogleState;
}
