import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ControlError } from '../control.js';
import { PUSH_DELIVERY_METHOD } from './event-types.js';
import { type RiscControl, riscEventInputSchema, riscReceiverSchema } from './security-events.js';
import type { RiscSigningKey } from './signing-key.js';

/** Where the emulator serves the RISC key set; receivers must read it from the configuration, never hard-code it. */
export const RISC_JWKS_PATH = '/risc/v1beta/jwks';

const KEYS_CACHE_CONTROL = 'public, max-age=21600, must-revalidate, no-transform';

/**
 * Registers `/.well-known/risc-configuration`, the RISC key set, and the control API under `/__emulator/risc/`.
 * Documented in docs/sandbox/google.md.
 */
export function registerRisc(
  app: FastifyInstance,
  deps: { control: RiscControl; key: RiscSigningKey; issuer: string },
): void {
  app.get('/.well-known/risc-configuration', async (request, reply) => {
    const origin = `${request.protocol}://${request.host}`;
    return reply
      .type('application/json; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send({
        issuer: deps.issuer,
        jwks_uri: `${origin}${RISC_JWKS_PATH}`,
        delivery_methods_supported: [PUSH_DELIVERY_METHOD],
      });
  });
  app.get(RISC_JWKS_PATH, async (_request, reply) =>
    reply
      .type('application/json; charset=UTF-8')
      .header('cache-control', KEYS_CACHE_CONTROL)
      .send(await deps.key.jwks()),
  );

  const { control } = deps;
  const run = async <T>(reply: FastifyReply, schema: z.ZodType<T>, body: unknown, op: (input: T) => unknown) => {
    const parsed = schema.safeParse(body ?? {});
    if (!parsed.success) return controlError(reply, 400, z.prettifyError(parsed.error));
    try {
      const result = await op(parsed.data);
      return reply.type('application/json; charset=utf-8').send(result ?? { ok: true });
    } catch (error) {
      if (error instanceof ControlError) return controlError(reply, error.status, error.message);
      throw error;
    }
  };
  const jtiParams = z.strictObject({ jti: z.string().min(1).max(256) });
  const clientParams = z.strictObject({ clientId: z.string().min(1).max(512) });

  app.get('/__emulator/risc/receivers', async (_request, reply) => reply.send({ receivers: control.receivers() }));
  app.post('/__emulator/risc/receivers', async (request, reply) =>
    run(reply, riscReceiverSchema, request.body, (receiver) => {
      control.registerReceiver(receiver);
      return { ok: true, ...receiver };
    }),
  );
  app.delete('/__emulator/risc/receivers/:clientId', async (request, reply) =>
    run(reply, clientParams, request.params, ({ clientId }) => {
      if (!control.removeReceiver(clientId)) throw new ControlError(`No RISC receiver for client ${clientId}.`, 404);
      return { ok: true };
    }),
  );
  app.get('/__emulator/risc/events', async (_request, reply) => reply.send({ deliveries: control.sent() }));
  app.post('/__emulator/risc/events', async (request, reply) =>
    run(reply, riscEventInputSchema, request.body, (input) => control.sendEvent(input)),
  );
  app.post('/__emulator/risc/events/:jti/redeliver', async (request, reply) =>
    run(reply, jtiParams, request.params, ({ jti }) => control.redeliver(jti)),
  );
}

function controlError(reply: FastifyReply, status: number, message: string) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: status, message, status: status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT' } });
}
