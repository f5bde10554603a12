import { type Clock, ManualClock } from '../../clock.js';

// The neutral clock (src/clock.ts) is shared by the bridge and the emulators; re-exported here for the emulators.
export { type Clock, epochSeconds, ManualClock, systemClock } from '../../clock.js';

/**
 * A clock that follows another one plus an offset, so an emulator can "move time forward" even when it runs on the
 * system clock. When the base is a {@link ManualClock}, advancing moves the base itself, so a test's clock and the
 * emulator's stay the same clock.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;

  constructor(readonly base: Clock) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (this.base instanceof ManualClock) this.base.advance(ms);
    else this.offsetMs += ms;
  }

  /** Forgets any offset added on top of a non-manual base. */
  resetOffset(): void {
    this.offsetMs = 0;
  }
}
