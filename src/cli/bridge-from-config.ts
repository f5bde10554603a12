import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ServiceConfig } from '../config/env.js';
import { createTokenBridge, type TokenBridgeOptions } from '../core/bridge.js';
import type { Keyring } from '../core/keyring.js';
import type { TokenBridge } from '../core/types.js';
import { connectUrlBuilder } from '../http/index.js';
import type { Store } from '../storage/store.js';

/**
 * The core, built from the service configuration: what `start` serves over HTTP and what the CLI's `token` and
 * `connections revoke` use directly. `withClerk: false` leaves the Clerk-held source out (the CLI in sandbox mode
 * cannot know the emulator's per-run secret).
 */
export function bridgeFromConfig(
  config: ServiceConfig,
  deps: {
    store: Store;
    keyring: Keyring;
    clock: Clock;
    logger: Logger;
    withClerk?: boolean;
    core?: Pick<TokenBridgeOptions, 'scheduler' | 'retry' | 'httpTimeoutMs'>;
  },
): TokenBridge {
  return createTokenBridge({
    store: deps.store,
    keyring: deps.keyring,
    google: {
      clientId: config.google.clientId,
      clientSecret: config.google.clientSecret,
      redirectUri: config.google.redirectUri,
      ...(config.google.redirectUris ? { redirectUris: config.google.redirectUris } : {}),
      ...(config.google.baseUrl ? { baseUrl: config.google.baseUrl } : {}),
      ...(config.google.issuer ? { issuer: config.google.issuer } : {}),
    },
    ...(deps.withClerk === false
      ? {}
      : {
          clerk: { secretKey: config.clerk.secretKey, ...(config.clerk.apiUrl ? { apiUrl: config.clerk.apiUrl } : {}) },
        }),
    tokenSource: deps.withClerk === false && config.tokenSource === 'clerk' ? 'oauth' : config.tokenSource,
    connectUrl: connectUrlBuilder(config.publicUrl),
    clock: deps.clock,
    logger: deps.logger,
    // Events go to the outbox in the transaction of the change they report, whoever makes it (the service, the CLI).
    outbox: config.webhook !== undefined,
    ...(config.upstreamTimeoutSeconds === undefined ? {} : { httpTimeoutMs: config.upstreamTimeoutSeconds * 1000 }),
    ...deps.core,
  });
}
