import { vi } from 'vitest';
import { ManualClock } from '../../src/clock.js';

/**
 * The test process's one clock, frozen: `Date` itself stops, so the bridge, both emulators and the SDKs that read
 * `Date.now()` on their own (`@clerk/backend` checks a session token's `exp` and `nbf` that way) all agree, and time
 * moves only when the test moves it. A slow or busy machine cannot make a token expire mid-test.
 *
 * Only `Date` is replaced: timers run in real time, so servers, sockets and drivers behave as usual.
 *
 * @example
 * const clock = new FrozenClock();
 * clock.advance(3600_000); // every token issued an hour ago has now expired, for everyone
 */
export class FrozenClock extends ManualClock {
  constructor(start: number = Date.now()) {
    super(start);
    vi.setSystemTime(start);
  }

  override now(): number {
    return Date.now();
  }

  override advance(ms: number): void {
    vi.setSystemTime(Date.now() + ms);
  }

  override set(ms: number): void {
    vi.setSystemTime(ms);
  }
}
