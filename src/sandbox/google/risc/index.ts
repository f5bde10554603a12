// Cross-Account Protection (RISC): the configuration, the SET signing key, receivers, and sending events.
export {
  PUSH_DELIVERY_METHOD,
  RISC_EVENT_TYPES,
  type RiscEventType,
  type TokenIdentifierAlg,
} from './event-types.js';
export { RISC_JWKS_PATH, registerRisc } from './routes.js';
export {
  createRiscControl,
  type RiscControl,
  type RiscDelivery,
  type RiscEventInput,
  type RiscReceiver,
  type RiscSendResult,
} from './security-events.js';
export { RiscSigningKey } from './signing-key.js';
export { tokenIdentifier } from './token-identifier.js';
