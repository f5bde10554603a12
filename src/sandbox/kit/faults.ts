import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

/**
 * A fault to inject. A fault matches calls by `endpoint` (an exact path, or a prefix ending in `*`; default: every
 * endpoint) and optionally `method`. Then, in this order: it waits `latencyMs`; if `hold`, it waits until the test
 * releases held calls (`releaseHeld()`, or clearing the faults), so "the call is in flight" is a state a test sets,
 * not a time it guesses; it drops the connection if `reset`;
 * it answers `status` with `body` if a status is set; otherwise the call proceeds normally (pure latency).
 * It applies to the next `times` matching calls (default 1), or, if `probability` is set and `times` is not,
 * to each matching call with that probability until cleared.
 */
export const faultSpecSchema = z.strictObject({
  endpoint: z.string().min(1).optional(),
  method: z.string().min(1).optional(),
  status: z.number().int().min(100).max(599).optional(),
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  hold: z.boolean().optional(),
  reset: z.boolean().optional(),
  times: z.number().int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
});

export type FaultSpec = z.infer<typeof faultSpecSchema>;

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  remaining: number;
  /** Calls it has been applied to so far (for a `probability` fault, the rolls it won). */
  fired: number;
}

/** Options of a {@link FaultInjector}. */
export interface FaultInjectorOptions {
  /** Source of randomness for `probability` faults; inject a seeded one for reproducible tests. */
  random?: () => number;
  /** The body sent when a fault has a status but no body, in the emulated service's error shape. */
  defaultBody?: (status: number, request: FastifyRequest) => unknown;
  /**
   * Waits out a fault's `latencyMs`; default real timers. Inject one to hold a delayed call until the test lets that
   * time pass, so "the call was delayed" is observed rather than timed.
   */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Holds injected faults and applies them to matching requests.
 *
 * @example
 * const faults = new FaultInjector();
 * installFaults(app, faults, ['/__emulator/']);
 * faults.inject({ endpoint: '/token', status: 503, times: 2 });
 */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  /** Every fault armed since the last reset, cleared or used up ones included, for {@link fired}. */
  private armed = new Map<number, ActiveFault>();
  private nextId = 1;
  private held: Array<() => void> = [];
  private holdWaiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly random: () => number;
  private readonly defaultBody: (status: number, request: FastifyRequest) => unknown;
  /** @internal waits out a fault's `latencyMs`. */
  readonly sleep: (ms: number) => Promise<void>;

  constructor(options: FaultInjectorOptions = {}) {
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.defaultBody =
      options.defaultBody ?? ((status) => ({ error: { code: status, message: 'Injected fault', status: 'UNKNOWN' } }));
  }

  /** Adds a fault; returns its id. Throws a ZodError when the spec is invalid. */
  inject(spec: FaultSpec): number {
    const parsed = faultSpecSchema.parse(spec);
    const id = this.nextId++;
    const remaining = parsed.times ?? (parsed.probability === undefined ? 1 : Number.POSITIVE_INFINITY);
    const fault = { id, spec: parsed, remaining, fired: 0 };
    this.faults.push(fault);
    this.armed.set(id, fault);
    return id;
  }

  /** Removes every fault, and lets every held call go on. What each fault did stays readable with {@link fired}. */
  clear(): void {
    this.faults = [];
    this.releaseHeld();
  }

  /** {@link clear}, and forgets the faults' history too. */
  reset(): void {
    this.clear();
    this.armed.clear();
  }

  /**
   * How many calls the fault `id` has been applied to, while armed; still answers after it was cleared or used up
   * (until {@link reset}). A `probability` fault that never won a roll says 0: whatever ran meanwhile met no fault.
   */
  fired(id: number): number {
    return this.armed.get(id)?.fired ?? 0;
  }

  /** How many calls a `hold` fault is holding now. */
  heldCount(): number {
    return this.held.length;
  }

  /** Resolves once at least `count` calls are being held (default 1). */
  whenHeld(count = 1): Promise<void> {
    if (this.held.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.holdWaiters.push({ count, resolve }));
  }

  /** Lets every held call go on (to its `reset` or `status`, or to the real handler); returns how many. */
  releaseHeld(): number {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
    return held.length;
  }

  /**
   * @internal parks a call until {@link releaseHeld}: resolves true then, or false as soon as `connection` closes
   * (the caller gave up), which also stops counting the call as held.
   */
  hold(connection: {
    once(event: 'close', listener: () => void): unknown;
    off(event: 'close', listener: () => void): unknown;
  }): Promise<boolean> {
    return new Promise((resolve) => {
      const gone = () => {
        this.held = this.held.filter((release) => release !== released);
        resolve(false);
      };
      const released = () => {
        connection.off('close', gone);
        resolve(true);
      };
      connection.once('close', gone);
      this.held.push(released);
      const ready = this.holdWaiters.filter((w) => this.held.length >= w.count);
      this.holdWaiters = this.holdWaiters.filter((w) => this.held.length < w.count);
      for (const waiter of ready) waiter.resolve();
    });
  }

  /** The faults still armed, for inspection. */
  list(): Array<FaultSpec & { id: number; remaining: number | null; fired: number }> {
    return this.faults.map((f) => ({
      ...f.spec,
      id: f.id,
      remaining: Number.isFinite(f.remaining) ? f.remaining : null,
      fired: f.fired,
    }));
  }

  /** Picks the fault to apply to this call, if any, and uses up one of its shots. */
  take(method: string, path: string): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (!matches(fault.spec, method, path)) continue;
      if (fault.spec.probability !== undefined && this.random() >= fault.spec.probability) continue;
      fault.remaining -= 1;
      fault.fired += 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return fault.spec;
    }
    return undefined;
  }

  /** @internal the reply body for a status fault without an explicit body. */
  bodyFor(spec: FaultSpec, request: FastifyRequest): unknown {
    return spec.body ?? this.defaultBody(spec.status ?? 500, request);
  }
}

function matches(spec: FaultSpec, method: string, path: string): boolean {
  if (spec.method !== undefined && spec.method.toUpperCase() !== method.toUpperCase()) return false;
  const endpoint = spec.endpoint;
  if (endpoint === undefined || endpoint === '*') return true;
  return endpoint.endsWith('*') ? path.startsWith(endpoint.slice(0, -1)) : path === endpoint;
}

/**
 * Applies `faults` to every request on `app` except paths under `exemptPrefixes` (the control API must stay reachable).
 * Call it before registering routes; it also covers unknown paths.
 */
export function installFaults(app: FastifyInstance, faults: FaultInjector, exemptPrefixes: string[] = []): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    if (exemptPrefixes.some((prefix) => path.startsWith(prefix))) return;
    const spec = faults.take(request.method, path);
    if (spec === undefined) return;
    if (spec.latencyMs !== undefined && spec.latencyMs > 0) await faults.sleep(spec.latencyMs);
    // A caller that gave up (timed out, or was killed) while held gets nothing done on its behalf.
    if (spec.hold === true && !(await faults.hold(request.raw.socket))) {
      reply.hijack();
      return reply;
    }
    if (spec.reset === true) {
      // Drop the TCP connection without an HTTP answer, as a crashing front end or a proxy timeout would.
      reply.hijack();
      request.raw.socket.resetAndDestroy?.() ?? request.raw.socket.destroy();
      return reply;
    }
    if (spec.status === undefined) return;
    reply.code(spec.status);
    if (spec.retryAfterSeconds !== undefined) reply.header('retry-after', String(spec.retryAfterSeconds));
    for (const [name, value] of Object.entries(spec.headers ?? {})) reply.header(name, value);
    const body = faults.bodyFor(spec, request);
    if (typeof body === 'string') reply.type('text/plain; charset=utf-8');
    return reply.send(body);
  });
}
