import { InvalidRequestError } from './errors.js';
import type { InboundEventLog } from './ports.js';
import { MAX_ID_LENGTH } from './token-request.js';

/** Who sends the bridge events: Clerk's webhooks (by `svix-id`) and Google's RISC receiver (by `jti`). */
export type InboundEventSource = 'clerk' | 'google_risc';

/** What handling an inbound event came to: handled now (with `fn`'s answer), or a duplicate left alone. */
export type Handled<T> = { duplicate: true } | { duplicate: false; value: T };

/**
 * Handles an inbound event once across instances: an event recorded as handled is a duplicate; otherwise `fn` runs
 * and the event is recorded only once it succeeded, so a failure (rethrown, the sender retries) or a crash midway
 * leaves the redelivery to be handled. Two deliveries racing may both run `fn`, which is why handlers are idempotent
 * (a connection already marked or deleted is left as it is).
 *
 * @example
 * const result = await handleOnce(store, 'clerk', svixId, () => bridge.disconnect(userId));
 */
export async function handleOnce<T>(
  log: InboundEventLog,
  source: InboundEventSource,
  id: string,
  fn: () => Promise<T>,
): Promise<Handled<T>> {
  checkEvent(source, id);
  if (await log.isEventClaimed(source, id)) return { duplicate: true };
  const value = await fn();
  await log.claimEvent(source, id);
  return { duplicate: false, value };
}

function checkEvent(source: unknown, id: unknown): void {
  if (source !== 'clerk' && source !== 'google_risc') throw new InvalidRequestError('Unknown event source.');
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) {
    throw new InvalidRequestError('An event id is required.');
  }
}
