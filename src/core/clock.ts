// The canonical clock lives in the sandbox kit so the emulators import nothing from the bridge;
// the bridge re-exports it from here to keep a single Clock type across the codebase.
export { type Clock, epochSeconds, ManualClock, systemClock } from '../sandbox/kit/clock.js';
