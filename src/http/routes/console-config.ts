import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.js';

const REAL_GSI_CLIENT = 'https://accounts.google.com/gsi/client';

/**
 * `GET /api/config`: the public values the web console needs before anyone signs in — the Clerk publishable key (which
 * names the Frontend API clerk-js loads from) and proxy URL (where it is reached instead, when set), the Google client
 * id and where Google Identity Services' script lives (the emulator's `/gsi/client` when `GOOGLE_BASE_URL` points at
 * one). Nothing secret.
 */
export async function consoleConfigRoutes(app: FastifyInstance, context: RouteContext): Promise<void> {
  const { clerk, google } = context.config;
  const body = {
    clerkPublishableKey: clerk?.publishableKey ?? null,
    clerkProxyUrl: clerk?.proxyUrl ?? null,
    googleClientId: google.clientId,
    gsiClientUrl: google.baseUrl === undefined ? REAL_GSI_CLIENT : `${google.baseUrl.replace(/\/+$/, '')}/gsi/client`,
  };
  app.get(
    '/api/config',
    {
      schema: {
        summary:
          'Public settings for the web console (Clerk publishable key and proxy URL, Google client id, GIS script URL)',
        response: {
          200: {
            type: 'object',
            required: ['clerkPublishableKey', 'clerkProxyUrl', 'googleClientId', 'gsiClientUrl'],
            properties: {
              clerkPublishableKey: { type: ['string', 'null'] },
              clerkProxyUrl: { type: ['string', 'null'] },
              googleClientId: { type: 'string' },
              gsiClientUrl: { type: 'string' },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return body;
    },
  );
}
