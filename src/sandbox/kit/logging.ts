import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';

/** Request logs name the method and path only: query strings carry codes, states and (Google's) access tokens. */
const serializers = {
  req: (request: { method: string; url: string }) => ({ method: request.method, path: request.url.split('?', 1)[0] }),
};

/**
 * Fastify logging options for an emulator: off (`false`, the default), Fastify's own JSON logger (`true`), or lines
 * through a pino logger the caller gives (tests capture them). Either way URLs are logged without their query.
 */
export function emulatorLogging(
  logger: boolean | Logger | undefined,
  component: string,
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === undefined || logger === false) return { logger: false };
  if (logger === true) return { logger: { serializers } };
  return { loggerInstance: logger.child({ component }, { serializers }) as FastifyBaseLogger };
}
