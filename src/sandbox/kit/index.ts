// The small kit both sandbox emulators share. It imports nothing from the bridge.
export { AdjustableClock, type Clock, epochSeconds, ManualClock, systemClock } from './clock.js';
export { ControlRequestRefused, guardControlApi, isLoopbackName } from './control-guard.js';
export { CallCounters, countCalls } from './counters.js';
export { FaultInjector, type FaultInjectorOptions, type FaultSpec, faultSpecSchema, installFaults } from './faults.js';
export { type Listening, listen } from './listen.js';
export { persistingControl } from './persisting-control.js';
export { newRsaKeyPair, type RsaKeyPair, releaseRsaKeyPair, reuseClosedEmulatorKeys } from './rsa-keys.js';
export { StateFile, StateFileError, type StateFileOptions } from './state-file.js';
