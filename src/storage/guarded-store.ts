import { StorageUnavailableError, TokenBridgeError } from '../core/ports.js';
import type { Store } from './store.js';

/** Left as they are: start-up and shutdown keep their own messages; the other two are synchronous. */
const UNGUARDED = new Set<PropertyKey>(['migrate', 'close', 'watchConnections', 'sharedTokenBuckets']);

/**
 * Wraps a store so every database failure reaches callers as a typed {@link StorageUnavailableError} (503), while
 * typed errors (the refresh lock's own `storage_unavailable`) pass through unchanged. SQL and parameters never reach the
 * message; the driver's error stays available as `cause` for logs.
 */
export function guardStore<S extends Store>(store: S): S {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function' || UNGUARDED.has(property)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (error) {
          throw error instanceof TokenBridgeError ? error : new StorageUnavailableError(error);
        }
      };
    },
  });
}
