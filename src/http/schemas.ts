/** JSON schemas shared by the routes (Fastify validates input and serialises output from them). */
import { MAX_MIN_VALIDITY_SECONDS } from '../core/token-request.js';

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      additionalProperties: true,
    },
  },
} as const;

export const scopeListSchema = {
  type: 'array',
  maxItems: 50,
  items: { type: 'string', minLength: 1, maxLength: 2048 },
} as const;

/** `minValiditySeconds`, bounded by the core's own limit, so the schema and the core never disagree. */
export const minValiditySchema = { type: 'integer', minimum: 0, maximum: MAX_MIN_VALIDITY_SECONDS } as const;

/** A Clerk user id in a path (`/api/users/{userId}/…`). */
export const userIdParamsSchema = {
  type: 'object',
  required: ['userId'],
  properties: { userId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
} as const;

export const googleIdentitySchema = {
  type: 'object',
  required: ['sub', 'email'],
  properties: { sub: { type: 'string' }, email: { type: 'string' } },
} as const;

export const accessTokenSchema = {
  type: 'object',
  required: ['accessToken', 'tokenType', 'expiresAt', 'scopes', 'source', 'google'],
  properties: {
    accessToken: { type: 'string' },
    tokenType: { type: 'string' },
    expiresAt: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    source: { type: 'string', enum: ['oauth', 'clerk'] },
    google: googleIdentitySchema,
  },
} as const;

const nullableString = { anyOf: [{ type: 'string' }, { type: 'null' }] } as const;

export const connectionSchema = {
  type: 'object',
  required: ['userId', 'status', 'source', 'google', 'scopes'],
  properties: {
    userId: { type: 'string' },
    status: { type: 'string', enum: ['active', 'needs_reconnect'] },
    source: { type: 'string', enum: ['oauth', 'clerk'] },
    google: googleIdentitySchema,
    scopes: { type: 'array', items: { type: 'string' } },
    accessTokenExpiresAt: nullableString,
    lastRefreshAt: nullableString,
    lastError: {
      anyOf: [
        {
          type: 'object',
          properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' } },
        },
        { type: 'null' },
      ],
    },
    reconnectReason: nullableString,
    refreshTokenExpiresAt: nullableString,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const;

/** `{ error }` answers every route can give, for the OpenAPI document. */
export const errorResponses = {
  '4xx': errorSchema,
  '5xx': errorSchema,
} as const;
