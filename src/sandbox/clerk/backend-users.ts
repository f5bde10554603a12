import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ClerkApiError, clerkErrors } from './clerk-errors.js';
import { unlinkExternalAccount } from './google-accounts.js';
import { type ClerkInstance, requireUser, userUpdated } from './instance.js';
import { emailSchema, intParam, listParam, metadataSchema, parseParams } from './params.js';
import { requestInfo } from './request-info.js';
import { sessionJson, userJson } from './serialize.js';

const createUserSchema = z.object({
  email_address: z.array(emailSchema).min(1).max(10).optional(),
  first_name: z.string().max(256).nullable().optional(),
  last_name: z.string().max(256).nullable().optional(),
  username: z.string().min(1).max(64).nullable().optional(),
  external_id: z.string().min(1).max(256).nullable().optional(),
  password: z.string().min(8).max(72).optional(),
  skip_password_checks: z.boolean().optional(),
  skip_password_requirement: z.boolean().optional(),
  public_metadata: metadataSchema.optional(),
  private_metadata: metadataSchema.optional(),
  unsafe_metadata: metadataSchema.optional(),
  skip_legal_checks: z.boolean().optional(),
});

const updateUserSchema = z.object({
  first_name: z.string().max(256).nullable().optional(),
  last_name: z.string().max(256).nullable().optional(),
  username: z.string().min(1).max(64).nullable().optional(),
  external_id: z.string().min(1).max(256).nullable().optional(),
  primary_email_address_id: z.string().min(1).optional(),
  public_metadata: metadataSchema.optional(),
  private_metadata: metadataSchema.optional(),
  unsafe_metadata: metadataSchema.optional(),
});

const metadataParamsSchema = z.object({
  public_metadata: metadataSchema.optional(),
  private_metadata: metadataSchema.optional(),
  unsafe_metadata: metadataSchema.optional(),
});

/** Clerk's metadata merge: objects merge deeply, `null` removes a key, anything else replaces. */
function mergeMetadata(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const existing = merged[key];
    if (value === null) delete merged[key];
    else if (isPlainObject(value) && isPlainObject(existing)) merged[key] = mergeMetadata(existing, value);
    else merged[key] = value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Metadata = Record<string, unknown>;
type MetadataParams = { [K in 'public_metadata' | 'private_metadata' | 'unsafe_metadata']?: Metadata | undefined };

const replace = (_current: Metadata, next: Metadata): Metadata => next;

/** Applies each metadata kind given, combined with the user's current one; records the update and answers the user. */
function setMetadata(
  instance: ClerkInstance,
  user: ReturnType<typeof requireUser>,
  params: MetadataParams,
  combine: (current: Metadata, next: Metadata) => Metadata,
) {
  if (params.public_metadata !== undefined) user.publicMetadata = combine(user.publicMetadata, params.public_metadata);
  if (params.private_metadata !== undefined) {
    user.privateMetadata = combine(user.privateMetadata, params.private_metadata);
  }
  if (params.unsafe_metadata !== undefined) user.unsafeMetadata = combine(user.unsafeMetadata, params.unsafe_metadata);
  user.updatedAt = instance.clock.now();
  userUpdated(instance, user);
  return userJson(user);
}

/** Registers the Backend API's users: list, count, create, get, update, metadata, delete, external accounts. */
export function registerBackendUsers(app: FastifyInstance, instance: ClerkInstance): void {
  app.get('/v1/users', async (request) => {
    const query = request.query as Record<string, unknown>;
    const limit = intParam('limit', query.limit, 10, 500);
    const offset = intParam('offset', query.offset, 0, 1_000_000);
    const users = filterUsers(instance, query);
    const page = users.slice(offset, offset + limit).map(userJson);
    return query.paginated === 'true' ? { data: page, total_count: users.length } : page;
  });
  app.get('/v1/users/count', async (request) => ({
    object: 'total_count',
    total_count: filterUsers(instance, request.query as Record<string, unknown>).length,
  }));
  app.post('/v1/users', async (request) => {
    const params = parseParams(createUserSchema, request.body);
    const emails = params.email_address ?? [];
    if (emails.length === 0 && (params.username ?? null) === null) throw clerkErrors.formParamMissing('email_address');
    for (const email of emails) {
      if (instance.store.findUserByEmail(email) !== undefined) throw clerkErrors.identifierExists('email_address');
    }
    if (new Set(emails).size !== emails.length) throw clerkErrors.identifierExists('email_address');
    if (params.username != null && [...instance.store.users.values()].some((u) => u.username === params.username)) {
      throw new ClerkApiError(
        422,
        'form_identifier_exists',
        'That username is taken. Please try another.',
        'That username is taken. Please try another.',
        { param_name: 'username' },
      );
    }
    const user = instance.store.createUser({
      emails,
      firstName: params.first_name ?? null,
      lastName: params.last_name ?? null,
      username: params.username ?? null,
      externalId: params.external_id ?? null,
      password: params.password ?? null,
      ...(params.public_metadata === undefined ? {} : { publicMetadata: params.public_metadata }),
      ...(params.private_metadata === undefined ? {} : { privateMetadata: params.private_metadata }),
      ...(params.unsafe_metadata === undefined ? {} : { unsafeMetadata: params.unsafe_metadata }),
    });
    const json = userJson(user);
    instance.webhooks.emit('user.created', json, requestInfo(request));
    return json;
  });
  app.get('/v1/users/:userId', async (request) => userJson(requireUser(instance, userIdOf(request))));
  app.patch('/v1/users/:userId', async (request) => {
    const user = requireUser(instance, userIdOf(request));
    const params = parseParams(updateUserSchema, request.body);
    if (params.first_name !== undefined) user.firstName = params.first_name;
    if (params.last_name !== undefined) user.lastName = params.last_name;
    if (params.username !== undefined) user.username = params.username;
    if (params.external_id !== undefined) user.externalId = params.external_id;
    if (params.primary_email_address_id !== undefined) {
      if (!user.emailAddresses.some((e) => e.id === params.primary_email_address_id)) {
        throw clerkErrors.formParamInvalid(
          'primary_email_address_id',
          'primary_email_address_id is not one of the user’s email addresses.',
        );
      }
      user.primaryEmailAddressId = params.primary_email_address_id;
    }
    return setMetadata(instance, user, params, replace);
  });
  // PATCH merges deeply (a null value deletes the key); PUT replaces each given kind whole.
  app.patch('/v1/users/:userId/metadata', async (request) => {
    const user = requireUser(instance, userIdOf(request));
    return setMetadata(instance, user, parseParams(metadataParamsSchema, request.body), mergeMetadata);
  });
  app.put('/v1/users/:userId/metadata', async (request) => {
    const user = requireUser(instance, userIdOf(request));
    return setMetadata(instance, user, parseParams(metadataParamsSchema, request.body), replace);
  });
  app.delete('/v1/users/:userId/external_accounts/:externalAccountId', async (request) => {
    const user = requireUser(instance, userIdOf(request));
    const { externalAccountId } = request.params as { externalAccountId: string };
    const account = user.externalAccounts.find((a) => a.id === externalAccountId);
    if (account === undefined) throw clerkErrors.notFound('External account');
    unlinkExternalAccount(instance.clock, user, account);
    userUpdated(instance, user);
    return { object: 'external_account', id: account.id, deleted: true };
  });
  app.delete('/v1/users/:userId', async (request) => {
    const user = requireUser(instance, userIdOf(request));
    const ended = instance.store.deleteUser(user.id);
    for (const session of ended) {
      instance.webhooks.emit('session.ended', sessionJson(session, 'ended'), requestInfo(request));
    }
    const deleted = { object: 'user', id: user.id, deleted: true };
    instance.webhooks.emit('user.deleted', deleted, requestInfo(request));
    return deleted;
  });
}

function userIdOf(request: FastifyRequest): string {
  return (request.params as { userId: string }).userId;
}

function filterUsers(instance: ClerkInstance, query: Record<string, unknown>) {
  const emails = listParam(query.email_address).map((e) => e.toLowerCase());
  const ids = listParam(query.user_id);
  const externalIds = listParam(query.external_id);
  const text = typeof query.query === 'string' ? query.query.toLowerCase() : '';
  let users = instance.store.listUsers();
  if (emails.length > 0) users = users.filter((u) => u.emailAddresses.some((e) => emails.includes(e.emailAddress)));
  if (ids.length > 0) users = users.filter((u) => ids.includes(u.id));
  if (externalIds.length > 0) users = users.filter((u) => u.externalId !== null && externalIds.includes(u.externalId));
  if (text !== '') {
    users = users.filter((u) =>
      [u.id, u.firstName, u.lastName, u.username, ...u.emailAddresses.map((e) => e.emailAddress)].some(
        (v) => v?.toLowerCase().includes(text) === true,
      ),
    );
  }
  if (query.order_by === '+created_at') users = [...users].reverse();
  return users;
}
