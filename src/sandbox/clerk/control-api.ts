import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { faultSpecSchema } from '../kit/faults.js';
import { clerkErrors } from './clerk-errors.js';
import type { ClerkEmulatorControl, ControlDeps } from './control.js';

const rateLimitSchema = z.union([
  z.literal(false),
  z.strictObject({ requests: z.number().int().min(1), windowSeconds: z.number().int().min(1) }),
]);

/** Registers the JSON control API under `/__emulator/`. Documented in docs/sandbox/clerk.md. */
export function registerControlApi(app: FastifyInstance, control: ClerkEmulatorControl, deps: ControlDeps): void {
  const send = (reply: FastifyReply, value: unknown) => reply.type('application/json').send(value ?? { ok: true });
  const parse = <T>(schema: z.ZodType<T>, body: unknown): T => {
    // Only a missing body means "no options"; a JSON `null` is a value (it clears the webhook endpoint).
    const parsed = schema.safeParse(body === undefined ? {} : body);
    if (!parsed.success) throw clerkErrors.formParamInvalid('body', z.prettifyError(parsed.error));
    return parsed.data;
  };

  app.get('/__emulator/email-codes', async (request, reply) => {
    const { email_address: email } = request.query as { email_address?: unknown };
    const codes = control.emailCodes(typeof email === 'string' && email !== '' ? email : undefined);
    return send(reply, {
      data: codes.map((c) => ({
        email_address: c.emailAddress,
        code: c.code,
        sent_at: c.sentAt,
        expires_at: c.expiresAt,
      })),
    });
  });

  app.get('/__emulator', async (_request, reply) =>
    send(reply, {
      operations: [
        'POST /__emulator/users {email, firstName?, lastName?}',
        'DELETE /__emulator/users/:userId',
        'POST /__emulator/users/:userId/google {sub, email, accessToken, refreshToken?, expiresInSeconds?, scopes}',
        'POST /__emulator/sessions {userId}',
        'POST /__emulator/sessions/:sessionId/token {azp?, expiresInSeconds?}',
        'POST /__emulator/sessions/:sessionId/revoke',
        'POST /__emulator/google/tokens/expire {userId?}',
        'GET|PUT /__emulator/rate-limit  (false | {requests, windowSeconds})',
        'GET|POST|DELETE /__emulator/faults',
        'POST /__emulator/faults/release',
        'GET|PUT /__emulator/webhooks  ({url, secret?} | null; ?reveal=secret to have the secret said back)',
        'POST /__emulator/webhooks/deliver-due',
        'GET /__emulator/clock',
        'POST /__emulator/clock/advance {seconds}',
        'GET /__emulator/counters',
        'GET /__emulator/email-codes?email_address=',
        'POST /__emulator/reset',
      ],
    }),
  );
  app.post('/__emulator/users', async (request, reply) => {
    const input = parse(
      z.strictObject({
        email: z.string(),
        firstName: z.string().optional(),
        lastName: z.string().optional(),
        password: z.string().optional(),
      }),
      request.body,
    );
    return send(reply, control.createUser(input));
  });
  app.delete('/__emulator/users/:userId', async (request, reply) =>
    send(reply, control.deleteUser((request.params as { userId: string }).userId)),
  );
  app.post('/__emulator/users/:userId/google', async (request, reply) => {
    const input = parse(
      z.strictObject({
        sub: z.string().min(1),
        email: z.string().min(3),
        accessToken: z.string().min(1),
        refreshToken: z.string().min(1).optional(),
        expiresInSeconds: z.number().int().min(0).optional(),
        scopes: z.array(z.string().min(1)),
        givenName: z.string().optional(),
        familyName: z.string().optional(),
      }),
      request.body,
    );
    return send(reply, control.linkGoogleAccount((request.params as { userId: string }).userId, input));
  });
  app.post('/__emulator/sessions', async (request, reply) => {
    const { userId } = parse(z.strictObject({ userId: z.string().min(1) }), request.body);
    return send(reply, control.createSession(userId));
  });
  app.post('/__emulator/sessions/:sessionId/token', async (request, reply) => {
    const options = parse(
      z.strictObject({ azp: z.string().min(1).optional(), expiresInSeconds: z.number().int().min(1).optional() }),
      request.body,
    );
    const jwt = await control.sessionToken((request.params as { sessionId: string }).sessionId, options);
    return send(reply, { object: 'token', jwt });
  });
  app.post('/__emulator/sessions/:sessionId/revoke', async (request, reply) =>
    send(reply, control.revokeSession((request.params as { sessionId: string }).sessionId)),
  );
  app.post('/__emulator/google/tokens/expire', async (request, reply) => {
    const { userId } = parse(z.strictObject({ userId: z.string().min(1).optional() }), request.body);
    return send(reply, { expired: control.expireGoogleAccessTokens(userId) });
  });
  app.get('/__emulator/rate-limit', async (_request, reply) =>
    send(reply, { rateLimit: deps.instance.rateLimit.current() }),
  );
  app.put('/__emulator/rate-limit', async (request, reply) => {
    const settings = parse(rateLimitSchema, request.body);
    control.setRateLimit(settings);
    return send(reply, { rateLimit: settings });
  });
  app.get('/__emulator/faults', async (_request, reply) =>
    send(reply, { faults: deps.faults.list(), held: deps.faults.heldCount() }),
  );
  app.post('/__emulator/faults/release', async (_request, reply) => send(reply, { released: control.releaseHeld() }));
  app.post('/__emulator/faults', async (request, reply) =>
    send(reply, { id: control.injectFault(parse(faultSpecSchema, request.body)) }),
  );
  app.delete('/__emulator/faults', async (_request, reply) => send(reply, control.clearFaults()));
  app.get('/__emulator/webhooks', async (_request, reply) =>
    send(reply, { endpoint: deps.instance.webhooks.current()?.url ?? null, deliveries: control.webhookDeliveries() }),
  );
  app.put('/__emulator/webhooks', async (request, reply) => {
    const endpoint = parse(
      z.union([z.null(), z.strictObject({ url: z.url(), secret: z.string().startsWith('whsec_').optional() })]),
      request.body,
    );
    const set = control.setWebhookEndpoint(endpoint ?? undefined);
    // The signing secret is said back only when asked for (`?reveal=secret`): answers end up in CI logs.
    const reveal = (request.query as { reveal?: unknown }).reveal === 'secret';
    return send(reply, { endpoint: set ? (reveal ? set : { url: set.url }) : null });
  });
  app.post('/__emulator/webhooks/deliver-due', async (_request, reply) => {
    await control.deliverDueWebhooks();
    return send(reply, { deliveries: control.webhookDeliveries() });
  });
  app.get('/__emulator/clock', async (_request, reply) => {
    const now = control.now();
    return send(reply, { now: new Date(now).toISOString(), epochMs: now });
  });
  app.post('/__emulator/clock/advance', async (request, reply) => {
    const { seconds } = parse(z.strictObject({ seconds: z.number().min(0) }), request.body);
    control.advanceClock(seconds);
    const now = control.now();
    return send(reply, { now: new Date(now).toISOString(), epochMs: now });
  });
  app.get('/__emulator/counters', async (_request, reply) => send(reply, control.counters()));
  app.post('/__emulator/reset', async (_request, reply) => {
    control.reset();
    return send(reply, { ok: true });
  });
}
