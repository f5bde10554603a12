import pino, { type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/env.js';
import { redactUrl } from './redact-url.js';

/**
 * pino options for the bridge's logs: every secret-bearing field masked (the Authorization and Cookie headers,
 * Set-Cookie, and token, code and key fields wherever they appear) and URLs logged with every query value masked
 * unless its parameter is on an allow-list (`scope`, …).
 * Applied as child-logger options, so they hold whatever logger the service is given.
 */
export function loggingOptions(level: LogLevel): ChildLoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        '*.accessToken',
        '*.refreshToken',
        '*.idToken',
        '*.code',
        '*.token',
        '*.clientSecret',
        '*.secretKey',
        'accessToken',
        'refreshToken',
        'idToken',
        'token',
        'code',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string }) {
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
      },
      res(reply: { statusCode: number }) {
        return { statusCode: reply.statusCode };
      },
      err(error: Error & { code?: unknown }) {
        return { type: error.name, code: error.code, message: error.message, stack: error.stack ?? '' };
      },
    },
  };
}

/** Creates the service's root logger: JSON lines on stdout (or `destination`), at `level`, secrets redacted. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const { redact } = loggingOptions(level);
  return pino(
    { level, base: { service: 'tokenbridge' }, ...(redact ? { redact } : {}) },
    destination ?? pino.destination(1),
  );
}
