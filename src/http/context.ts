import type { Clock } from '../clock.js';
import type { ServiceConfig } from '../config/env.js';
import type { TokenBridge } from '../core/types.js';
import type { Store } from '../storage/store.js';
import type { SessionVerifier } from './session-verifier.js';

/** What every route plugin is given: the bridge, the store's health and audit, the session verifier, config. */
export interface RouteContext {
  config: ServiceConfig;
  bridge: TokenBridge;
  store: Pick<Store, 'health' | 'appendAudit'>;
  verifier: SessionVerifier;
  clock: Clock;
  /** `$PUBLIC_URL/connect/google?scope=…`: where a user adds the missing scopes. */
  connectUrl(scopes: readonly string[]): string;
}
