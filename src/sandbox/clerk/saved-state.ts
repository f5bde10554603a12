import { z } from 'zod';
import { StateFileError } from '../kit/state-file.js';
import type { SavedSigningKey } from './keys.js';
import type { StoreContents } from './model.js';

/**
 * What a Clerk emulator keeps across restarts (the `stateFile` option): the instance's identity and keys, so the
 * secret key, the webhook secret and the session-token key stay the same, and its users, sessions and clients, so
 * user ids, sign-ins and `__client` cookies outlive the process. In-flight OAuth transactions and handshakes, faults,
 * counters and the webhook log are not kept.
 */
export interface SavedClerkState {
  version: 1;
  instanceId: string;
  secretKey: string;
  webhookSecret: string;
  signingKey: SavedSigningKey;
  store: StoreContents;
}

const record = z.record(z.string(), z.unknown());
const savedSchema = z.object({
  version: z.literal(1),
  instanceId: z.string().min(1),
  secretKey: z.string().min(1),
  webhookSecret: z.string().min(1),
  signingKey: z.object({
    kid: z.string().min(1),
    privateJwk: z
      .object({ kty: z.literal('RSA'), n: z.string().min(1), e: z.string().min(1), d: z.string().min(1) })
      .loose(),
  }),
  store: z.object({
    users: z.array(record.and(z.object({ id: z.string() }))),
    sessions: z.array(record.and(z.object({ id: z.string() }))),
    clients: z.array(record.and(z.object({ id: z.string(), token: z.string() }))),
  }),
});

/** A state file's contents checked as a saved Clerk state; throws {@link StateFileError} naming the file otherwise. */
export function parseSavedClerkState(value: unknown, path: string): SavedClerkState {
  const parsed = savedSchema.safeParse(value);
  if (!parsed.success) throw new StateFileError(path, 'it is not a saved Clerk emulator state');
  // The records were written by this emulator; their fields are checked as a whole above, not one by one.
  return parsed.data as unknown as SavedClerkState;
}
