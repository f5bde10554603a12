import fastify, { type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ChildLoggerOptions, Logger } from 'pino';
import { callerLabel } from './caller.js';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * The request log: one line per request, written when it is answered, with the method, the URL (query values masked
 * by the logger's serializer), the status, the time taken and who asked (a user id or an API key's name, from
 * `request.caller`; never a credential). Fastify's own pair of lines (incoming, completed) would cost twice as much
 * and could not name the caller.
 *
 * @example
 * Fastify({ loggerInstance: logger, logController: new RequestLog(), childLoggerFactory: deferredChildLogger });
 */
export class RequestLog extends fastify.LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error(
        { req: request, res: reply, caller: callerLabel(request.caller), err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
      return;
    }
    if (!(reply.log as unknown as Pick<Logger, 'isLevelEnabled'>).isLevelEnabled('info')) return;
    reply.log.info(
      { req: request, res: reply, caller: callerLabel(request.caller), responseTime: reply.elapsedTime },
      'request completed',
    );
  }
}

/**
 * Fastify's per-request logger (`childLoggerFactory`), made only when the request logs something at an enabled level,
 * and not even then for a line of plain fields (the bindings, the request id, are merged into them). A pino child
 * serialises its bindings through every redaction path; at `warn`, where a served request logs nothing, that was work
 * done per request for no line at all.
 */
export function deferredChildLogger(
  parent: FastifyBaseLogger,
  bindings: Record<string, unknown>,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new DeferredLogger(parent as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

class DeferredLogger {
  readonly #parent: Logger;
  readonly #bindings: Record<string, unknown>;
  readonly #options: ChildLoggerOptions | undefined;
  #made: Logger | undefined;
  #threshold: number;

  constructor(parent: Logger, bindings: Record<string, unknown>, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    // pino's quick path for a child is taken only without options.
    this.#options = Object.keys(options).length > 0 ? options : undefined;
    this.#threshold = LEVELS[options.level ?? parent.level] ?? Number.POSITIVE_INFINITY;
  }

  get level(): string {
    return this.#made?.level ?? this.#options?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.#logger().level = level;
    this.#threshold = LEVELS[level] ?? Number.POSITIVE_INFINITY;
  }

  isLevelEnabled(level: string): boolean {
    return (LEVELS[level] ?? Number.POSITIVE_INFINITY) >= this.#threshold;
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#log('error', args);
  }
  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }
  info(...args: unknown[]): void {
    this.#log('info', args);
  }
  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }
  silent(): void {}

  child(bindings: Record<string, unknown>, options?: ChildLoggerOptions): Logger {
    return this.#logger().child(bindings, options);
  }

  #log(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: unknown[]): void {
    if (LEVELS[level]! < this.#threshold) return;
    const [first, ...rest] = args;
    // A plain object of fields needs no child: the bindings go in with the fields (the request log line's case).
    if (this.#made === undefined && this.#options === undefined && isPlainObject(first)) {
      (this.#parent[level] as (...values: unknown[]) => void)({ ...this.#bindings, ...first }, ...rest);
      return;
    }
    (this.#logger()[level] as (...values: unknown[]) => void)(...args);
  }

  #logger(): Logger {
    this.#made ??= this.#options
      ? this.#parent.child(this.#bindings, this.#options)
      : this.#parent.child(this.#bindings);
    return this.#made;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
