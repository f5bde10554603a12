import type { FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { TokenBridgeError } from '../../core/errors.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';

/** A webhook delivery whose signature, timestamp or headers do not verify. */
export class InvalidWebhookError extends TokenBridgeError {
  static override readonly code = 'invalid_signature';
  constructor(message = 'The webhook signature does not verify.') {
    super(message, { status: 400 });
  }
}

/** The webhook route is off because no signing secret is configured. */
export class WebhooksDisabledError extends TokenBridgeError {
  static override readonly code = 'webhooks_disabled';
  constructor() {
    super('Clerk webhooks are not configured (set CLERK_WEBHOOK_SIGNING_SECRET).', { status: 404 });
  }
}

interface ClerkEvent {
  type?: unknown;
  data?: { id?: unknown } | null;
}

const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The largest webhook body accepted (Clerk's user payloads are a few KiB). */
const WEBHOOK_BODY_LIMIT = 512 * 1024;

/**
 * `POST /webhooks/clerk`: verifies the Svix (Standard Webhooks) signature over the raw body, de-duplicates by
 * `svix-id` through the bridge, and purges a deleted user's connection (revoking at Google).
 */
export async function clerkWebhookRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  const secret = context.config.clerk?.webhookSigningSecret;
  const webhook = secret === undefined ? undefined : new Webhook(secret);

  // The signature covers the exact bytes sent, so this route keeps the body as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => {
    done(null, body);
  });

  app.post<{ Body: string }>(
    '/webhooks/clerk',
    {
      // On the route as well as the parser: a route's limit wins over its parser's, and the plugin gives every route one.
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: {
        summary: 'Clerk webhooks (user.deleted purges the connection)',
        headers: {
          type: 'object',
          properties: {
            'svix-id': { type: 'string', maxLength: 256 },
            'svix-timestamp': { type: 'string', maxLength: 32 },
            'svix-signature': { type: 'string', maxLength: 4096 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { received: { type: 'boolean' }, duplicate: { type: 'boolean' }, handled: { type: 'boolean' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (webhook === undefined) throw new WebhooksDisabledError();
      const id = header(request.headers['svix-id']);
      const timestamp = header(request.headers['svix-timestamp']);
      const signature = header(request.headers['svix-signature']);
      if (!id || !timestamp || !signature) {
        throw new InvalidWebhookError('The svix-id, svix-timestamp and svix-signature headers are required.');
      }
      let event: ClerkEvent;
      try {
        event = webhook.verify(typeof request.body === 'string' ? request.body : '', {
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signature,
        }) as ClerkEvent;
      } catch (error) {
        const message = error instanceof Error && /timestamp/i.test(error.message) ? 'timestamp' : 'signature';
        throw new InvalidWebhookError(
          message === 'timestamp'
            ? 'The webhook timestamp is outside the 5-minute tolerance.'
            : 'The webhook signature does not verify.',
        );
      }
      if (typeof event !== 'object' || event === null)
        throw new InvalidWebhookError('The webhook body is not an event.');
      const handled = await context.bridge.handleOnce('clerk', id, async () => {
        if (event.type === 'user.created' || event.type === 'user.updated') {
          // The user may have just linked Google at Clerk: this instance stops answering from what it cached (others
          // ask Clerk again within a minute). Only memory changes, so `handled` (a stored change) stays false.
          const userId = event.data?.id;
          if (typeof userId === 'string' && USER_ID.test(userId)) context.bridge.forgetClerkUser(userId);
        }
        if (event.type === 'user.deleted') {
          const userId = event.data?.id;
          if (typeof userId === 'string' && USER_ID.test(userId)) {
            await context.bridge.disconnect(userId, { actor: 'clerk_webhook' });
            request.log.info({ userId, webhookId: id }, 'Clerk user deleted: connection purged');
            return true;
          }
        }
        return false;
      });
      // A failure above is rethrown unrecorded, so Svix's redelivery (it retries any non-2xx) is handled.
      if (handled.duplicate) return { received: true, duplicate: true, handled: false };
      return { received: true, duplicate: false, handled: handled.value };
    },
  );
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
