import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AdjustableClock } from '../kit/clock.js';
import type { CallCounters } from '../kit/counters.js';
import { type FaultInjector, type FaultSpec, faultSpecSchema } from '../kit/faults.js';
import { findAccount, type GoogleAccount } from './accounts.js';
import type { RateLimitInput } from './apis/index.js';
import { type ClientRegistry, type OAuthClientConfig, oauthClientConfigSchema } from './clients.js';
import type { OAuthState } from './oauth-state.js';
import type { RiscControl } from './risc/index.js';

/** Token grants handed out, by grant type. */
export interface GrantCounters {
  authorization_code: number;
  refresh_token: number;
}

/** What `counters()` and `GET /__emulator/counters` report. */
export interface EmulatorCounters {
  calls: Record<string, number>;
  grants: GrantCounters;
}

/** Who a control operation applies to: an account by email or sub, optionally one client only. */
export interface AccountTarget {
  email?: string;
  sub?: string;
  clientId?: string;
}

/**
 * The in-process twin of the HTTP control API under `/__emulator/`: same operations, same effects.
 * Operations naming an unknown account or client throw {@link ControlError}.
 */
export interface GoogleEmulatorControl {
  /** Adds or replaces an OAuth client (upsert), e.g. to add a redirect URI known only after start-up. */
  registerClient(config: OAuthClientConfig): void;
  /** Revokes an account's grant (to one client, or all), as from the account's security page. Returns how much went. */
  revokeGrant(target: AccountTarget): number;
  /** Makes live access tokens (of one account, or all) expire now. Returns how many. */
  expireAccessTokens(target?: { email?: string; sub?: string }): number;
  /** Moves the emulator's clock forward. */
  advanceClock(seconds: number): void;
  /** The emulator's current time, in ms since the epoch. */
  now(): number;
  /** Sets a client's access-token lifetime (for tokens issued from now on). */
  setTokenLifetime(clientId: string, seconds: number): void;
  /** Arms a fault; returns its id. */
  injectFault(spec: FaultSpec): number;
  /** Disarms every fault and lets held calls go on. */
  clearFaults(): void;
  /**
   * How many calls the fault `id` (from {@link injectFault}) has been applied to; still answers once it is cleared
   * or used up. A `probability` fault that says 0 never fired: nothing met it.
   */
  faultFired(id: number): number;
  /** Resolves once `count` calls (default 1) are parked by a `hold` fault. */
  whenHeld(count?: number): Promise<void>;
  /** Lets every call parked by a `hold` fault go on; returns how many. */
  releaseHeld(): number;
  counters(): EmulatorCounters;
  /**
   * Sets the APIs' per-user quota (everyone, or one account by email or sub); `null` lifts it. Over quota, the APIs
   * answer 429 RESOURCE_EXHAUSTED. Also at `/__emulator/ratelimit`.
   */
  setRateLimit(limit: RateLimitInput | null, account?: { email?: string; sub?: string }): void;
  /** Cross-Account Protection: RISC receivers and security events (also under `/__emulator/risc/`). */
  readonly risc: RiscControl;
  /** Back to the start: clients, grants, tokens, sessions, faults, counters, clock offset and RISC receivers. */
  reset(): void;
}

/** A control request that names something unknown or is malformed. */
export class ControlError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface ControlDeps {
  clients: ClientRegistry;
  state: OAuthState;
  clock: AdjustableClock;
  faults: FaultInjector;
  calls: CallCounters;
  grants: GrantCounters;
  accounts(): readonly GoogleAccount[];
  /** Extra reset steps (sessions, pending requests, the APIs' own state). */
  onReset: Array<() => void>;
  setRateLimit(limit: RateLimitInput | null, sub?: string): void;
  risc: RiscControl;
}

/** Builds the control handle. */
export function createControl(deps: ControlDeps): GoogleEmulatorControl {
  const resolve = (target: { email?: string; sub?: string }): GoogleAccount => {
    const hint = target.sub ?? target.email;
    if (hint === undefined) throw new ControlError('Name the account by email or sub.');
    const account = findAccount(deps.accounts(), hint);
    if (account === undefined) throw new ControlError(`No such account: ${hint}`, 404);
    return account;
  };
  return {
    registerClient: (config) => {
      deps.clients.register(config);
    },
    revokeGrant: (target) => deps.state.revokeGrant(resolve(target).sub, target.clientId),
    expireAccessTokens: (target = {}) =>
      deps.state.expireAccessTokens(
        target.email === undefined && target.sub === undefined ? undefined : resolve(target).sub,
      ),
    advanceClock: (seconds) => {
      if (!Number.isFinite(seconds) || seconds < 0) throw new ControlError('seconds must be a non-negative number.');
      deps.clock.advance(seconds * 1000);
    },
    now: () => deps.clock.now(),
    setTokenLifetime: (clientId, seconds) => {
      const client = deps.clients.get(clientId);
      if (client === undefined) throw new ControlError(`No such client: ${clientId}`, 404);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
        throw new ControlError('seconds must be an integer between 1 and 86400.');
      }
      client.accessTokenLifetimeSeconds = seconds;
    },
    injectFault: (spec) => {
      const parsed = faultSpecSchema.safeParse(spec);
      if (!parsed.success) throw new ControlError(`Invalid fault: ${z.prettifyError(parsed.error)}`);
      return deps.faults.inject(parsed.data);
    },
    clearFaults: () => deps.faults.clear(),
    faultFired: (id) => deps.faults.fired(id),
    whenHeld: (count) => deps.faults.whenHeld(count),
    releaseHeld: () => deps.faults.releaseHeld(),
    setRateLimit: (limit, account) =>
      deps.setRateLimit(limit, account === undefined ? undefined : resolve(account).sub),
    counters: () => ({ calls: deps.calls.snapshot(), grants: { ...deps.grants } }),
    risc: deps.risc,
    reset: () => {
      deps.clients.reset();
      deps.state.reset();
      deps.faults.reset();
      deps.calls.reset();
      deps.grants.authorization_code = 0;
      deps.grants.refresh_token = 0;
      deps.clock.resetOffset();
      deps.risc.reset();
      for (const step of deps.onReset) step();
    },
  };
}

const accountTarget = z.strictObject({
  email: z.string().min(1).optional(),
  sub: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
});

/** Registers the JSON control API under `/__emulator/`. Documented in docs/sandbox/google.md. */
export function registerControlApi(app: FastifyInstance, control: GoogleEmulatorControl, deps: ControlDeps): void {
  const run = <T>(reply: FastifyReply, schema: z.ZodType<T>, body: unknown, op: (input: T) => unknown) => {
    const parsed = schema.safeParse(body ?? {});
    if (!parsed.success) return controlError(reply, 400, z.prettifyError(parsed.error));
    try {
      const result = op(parsed.data);
      return reply.type('application/json; charset=utf-8').send(result ?? { ok: true });
    } catch (error) {
      if (error instanceof ControlError) return controlError(reply, error.status, error.message);
      throw error;
    }
  };

  app.get('/__emulator', async (_request, reply) =>
    reply.send({
      operations: [
        'GET  /__emulator/clients',
        'POST /__emulator/clients',
        'POST /__emulator/grants/revoke',
        'POST /__emulator/tokens/expire',
        'GET  /__emulator/clock',
        'POST /__emulator/clock/advance',
        'POST /__emulator/token-lifetime',
        'GET  /__emulator/faults',
        'POST /__emulator/faults',
        'DELETE /__emulator/faults',
        'POST /__emulator/faults/release',
        'GET  /__emulator/counters',
        'GET  /__emulator/risc/receivers',
        'POST /__emulator/risc/receivers',
        'DELETE /__emulator/risc/receivers/:clientId',
        'GET  /__emulator/risc/events',
        'POST /__emulator/risc/events',
        'POST /__emulator/risc/events/:jti/redeliver',
        'POST /__emulator/reset',
      ],
    }),
  );
  app.get('/__emulator/clients', async (_request, reply) =>
    reply.send({ clients: deps.clients.list().map(({ clientSecret: _secret, ...rest }) => rest) }),
  );
  app.post('/__emulator/clients', async (request, reply) =>
    run(reply, oauthClientConfigSchema, request.body, (config) => {
      control.registerClient(config);
      return { ok: true, clientId: config.clientId };
    }),
  );
  app.post('/__emulator/grants/revoke', async (request, reply) =>
    run(reply, accountTarget, request.body, (target) => ({ revoked: control.revokeGrant(target) })),
  );
  app.post('/__emulator/tokens/expire', async (request, reply) =>
    run(reply, accountTarget.omit({ clientId: true }), request.body, (target) => ({
      expired: control.expireAccessTokens(target),
    })),
  );
  app.get('/__emulator/clock', async (_request, reply) => {
    const now = control.now();
    return reply.send({ now: new Date(now).toISOString(), epochMs: now });
  });
  app.post('/__emulator/clock/advance', async (request, reply) =>
    run(reply, z.strictObject({ seconds: z.number().min(0) }), request.body, ({ seconds }) => {
      control.advanceClock(seconds);
      const now = control.now();
      return { now: new Date(now).toISOString(), epochMs: now };
    }),
  );
  app.post('/__emulator/token-lifetime', async (request, reply) =>
    run(
      reply,
      z.strictObject({ clientId: z.string().min(1), seconds: z.number().int().min(1).max(86_400) }),
      request.body,
      ({ clientId, seconds }) => control.setTokenLifetime(clientId, seconds),
    ),
  );
  app.get('/__emulator/faults', async (_request, reply) =>
    reply.send({ faults: deps.faults.list(), held: deps.faults.heldCount() }),
  );
  app.post('/__emulator/faults/release', async (_request, reply) => reply.send({ released: control.releaseHeld() }));
  app.post('/__emulator/faults', async (request, reply) =>
    run(reply, faultSpecSchema, request.body, (spec) => ({ id: control.injectFault(spec) })),
  );
  app.delete('/__emulator/faults', async (_request, reply) => {
    control.clearFaults();
    return reply.send({ ok: true });
  });
  app.get('/__emulator/counters', async (_request, reply) => reply.send(control.counters()));
  app.post('/__emulator/reset', async (_request, reply) => {
    control.reset();
    return reply.send({ ok: true });
  });
}

function controlError(reply: FastifyReply, status: number, message: string) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: status, message, status: status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT' } });
}
