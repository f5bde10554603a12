import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SeedAccount } from '../seed.js';
import { badRequest, sendJson } from './errors.js';
import { type RateLimiter, toRateLimit } from './rate-limit.js';

const limitSchema = z.union([
  z.strictObject({
    requestsPerMinute: z.number().int().min(0).max(1_000_000),
    account: z.string().min(1).optional(),
  }),
  z.strictObject({
    perWindow: z.number().int().min(0).max(1_000_000),
    windowSeconds: z.number().int().min(1).max(86_400),
    account: z.string().min(1).optional(),
  }),
]);

/**
 * `/__emulator/ratelimit`: read, set and lift the per-user quota of the APIs (see docs/sandbox/google-apis.md).
 * An `account` (email or sub) narrows a setting to one user; without it, it applies to everyone.
 */
export function registerRateLimitControl(
  app: FastifyInstance,
  limiter: RateLimiter,
  accounts: readonly SeedAccount[],
): void {
  const resolve = (account: string | undefined): string | undefined => {
    if (account === undefined) return undefined;
    const found = accounts.find((a) => a.email.toLowerCase() === account.toLowerCase() || a.sub === account);
    if (!found) throw badRequest(`Unknown account: ${account.slice(0, 100)}`);
    return found.sub;
  };

  /** The APIs read bodies as bytes (for uploads); this route's is JSON. Unparsable JSON fails the schema. */
  const jsonBody = (body: unknown): unknown => {
    if (!Buffer.isBuffer(body)) return body ?? {};
    if (body.length === 0) return {};
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
  };

  app.get('/__emulator/ratelimit', async (_request, reply) => sendJson(reply, 200, limiter.describe()));

  const set = async (request: { body: unknown }, reply: Parameters<typeof sendJson>[0]) => {
    const parsed = limitSchema.safeParse(jsonBody(request.body));
    if (!parsed.success) {
      throw badRequest(
        'Expected {"requestsPerMinute": n} or {"perWindow": n, "windowSeconds": s}, optionally with "account".',
      );
    }
    const { account, ...limit } = parsed.data;
    limiter.set(toRateLimit(limit), resolve(account));
    return sendJson(reply, 200, limiter.describe());
  };
  app.post('/__emulator/ratelimit', set);
  app.put('/__emulator/ratelimit', set);

  app.delete('/__emulator/ratelimit', async (request, reply) => {
    const account = (request.query as Record<string, unknown>).account;
    if (account !== undefined && typeof account !== 'string') throw badRequest('account must be given once.');
    const sub = resolve(account);
    if (sub === undefined) limiter.reset();
    else limiter.set(null, sub);
    return sendJson(reply, 200, limiter.describe());
  });
}
