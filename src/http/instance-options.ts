import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyServerOptions } from 'fastify';
import { toErrorReply } from './error-reply.js';
import { BODY_LIMIT } from './plugin.js';

/**
 * The Fastify options of an instance the bridge owns (the standalone server, and the one inside the Express and Next
 * adapters): request ids, body and path limits, schema coercion, and the router's own refusals in the error shape.
 */
export function bridgeInstanceOptions(): FastifyServerOptions {
  return {
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT,
    // Long path parameters are refused before any handler runs.
    routerOptions: { maxParamLength: 500 },
    // What the router refuses before any hook (a malformed or over-long path) gets the same error shape.
    frameworkErrors: (error, _request, reply) => {
      const answer = toErrorReply(error);
      // The reply is typed for a route's schema; this one has none.
      void (reply as unknown as FastifyReply).code(answer.status).type('application/json').send(answer.body);
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  };
}
