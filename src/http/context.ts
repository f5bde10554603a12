import type { Clock } from '../clock.js';
import type { TokenBridge } from '../core/types.js';
import type { Store } from '../storage/store.js';
import type { HttpConfig } from './http-config.js';

/**
 * What every route plugin is given: the bridge, the store's health, the clock, config. Who is asking is not here:
 * the caller hook puts it on the request (`request.caller`, see `caller.ts`).
 */
export interface RouteContext {
  config: HttpConfig;
  bridge: TokenBridge;
  store: Pick<Store, 'health'>;
  clock: Clock;
  /** `$PUBLIC_URL/connect/google?scope=…`: where a user adds the missing scopes. */
  connectUrl(scopes: readonly string[]): string;
}
