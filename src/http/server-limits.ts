import type { Server, ServerOptions } from 'node:http';
import type { ServerLimits } from '../config/env.js';

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutSeconds: 10,
  requestTimeoutSeconds: 30,
  keepAliveTimeoutSeconds: 5,
  maxConnections: 4096,
};

/**
 * `createServer` options for `limits`. Node checks the header and request deadlines on a timer (every 30 s by
 * default), so a slow-header client could outlive its deadline by that much; the check runs at least every second
 * here, and twice per deadline when the deadline is shorter.
 *
 * @example
 * const server = createServer(serverOptions(DEFAULT_SERVER_LIMITS));
 */
export function serverOptions(limits: ServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutSeconds * 1000,
    requestTimeout: limits.requestTimeoutSeconds * 1000,
    keepAliveTimeout: limits.keepAliveTimeoutSeconds * 1000,
    connectionsCheckingInterval: Math.min(1000, (limits.headersTimeoutSeconds * 1000) / 2),
  };
}

/**
 * Applies `limits` to a server: the deadlines (which Node reads at each check, so they hold for a server made
 * elsewhere too, though its check then runs at its own interval) and the connection cap.
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutSeconds * 1000;
  server.requestTimeout = limits.requestTimeoutSeconds * 1000;
  server.keepAliveTimeout = limits.keepAliveTimeoutSeconds * 1000;
  server.maxConnections = limits.maxConnections;
}
