import type { FastifyInstance } from 'fastify';
import type { SeedContact } from '../../seed.js';
import type { ApiMethod } from '../auth.js';
import { badRequest, GoogleApiError, notFound } from '../errors.js';
import { paginate } from '../page-token.js';
import { boolean, one, type Query } from '../params.js';
import { type ApiContext, apiRoute } from '../route.js';
import { contactPerson, parsePersonFields, selfPerson } from './person.js';

const AUTH = 'https://www.googleapis.com/auth/';
const SERVICE = 'people.googleapis.com';

const LIST_CONNECTIONS: ApiMethod = {
  service: SERVICE,
  method: 'google.people.v1.PeopleService.ListConnections',
  scopes: [AUTH + 'contacts', AUTH + 'contacts.readonly'],
};
const GET_PERSON: ApiMethod = {
  service: SERVICE,
  method: 'google.people.v1.PeopleService.GetPerson',
  scopes: [
    'contacts',
    'contacts.other.readonly',
    'contacts.readonly',
    'directory.readonly',
    'user.addresses.read',
    'user.birthday.read',
    'user.emails.read',
    'user.gender.read',
    'user.organization.read',
    'user.phonenumbers.read',
    'userinfo.email',
    'userinfo.profile',
  ].map((s) => AUTH + s),
};

const SORT_ORDERS = [
  'LAST_MODIFIED_ASCENDING',
  'LAST_MODIFIED_DESCENDING',
  'FIRST_NAME_ASCENDING',
  'LAST_NAME_ASCENDING',
];

function sortContacts(contacts: readonly SeedContact[], order: string): SeedContact[] {
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' });
  const time = (c: SeedContact) => Date.parse(c.updateTime);
  const tie = (a: SeedContact, b: SeedContact) => (a.resourceName < b.resourceName ? -1 : 1);
  const sorted = [...contacts];
  switch (order) {
    case 'LAST_MODIFIED_DESCENDING':
      return sorted.sort((a, b) => time(b) - time(a) || tie(a, b));
    case 'FIRST_NAME_ASCENDING':
      return sorted.sort((a, b) => byName(a.givenName, b.givenName) || byName(a.familyName, b.familyName) || tie(a, b));
    case 'LAST_NAME_ASCENDING':
      return sorted.sort((a, b) => byName(a.familyName, b.familyName) || byName(a.givenName, b.givenName) || tie(a, b));
    default:
      return sorted.sort((a, b) => time(a) - time(b) || tie(a, b));
  }
}

/** People's page size: 1–1000, default 100, with its own wording. */
function pageSize(query: Query): number {
  const raw = one(query, 'pageSize');
  if (raw === undefined || raw === '') return 100;
  const value = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || value < 1 || value > 1000) {
    throw badRequest(`Invalid pageSize: ${raw.slice(0, 20)}. Page size must be between 1 and 1000.`);
  }
  return value;
}

/** People v1: `people.connections.list` and `people.get` (for `people/me` and contacts). */
export function registerPeople(app: FastifyInstance, ctx: ApiContext): void {
  apiRoute(app, ctx, '/v1/people/:resource/connections', LIST_CONNECTIONS, ({ caller, query, params }) => {
    if (params.resource !== 'me') {
      throw badRequest('Must be a valid resource name of the requesting user: people/me.');
    }
    const fields = parsePersonFields(one(query, 'personFields'), one(query, 'requestMask.includeField'));
    const sortOrder = one(query, 'sortOrder') ?? 'LAST_MODIFIED_ASCENDING';
    if (!SORT_ORDERS.includes(sortOrder)) {
      throw badRequest(
        `Invalid value at 'sort_order' (type.googleapis.com/google.people.v1.ListConnectionsRequest.SortOrder), "${sortOrder.slice(0, 40)}"`,
      );
    }
    const size = pageSize(query);
    const requestSyncToken = boolean(query, 'requestSyncToken', false);
    const syncScope = `people-sync ${caller.account.sub}`;
    const syncToken = one(query, 'syncToken');
    const contacts = caller.account.contacts;
    if (syncToken !== undefined && syncToken !== '') {
      // The seeded address book never changes, so a valid sync token always answers "nothing new".
      if (ctx.pageTokens.read(syncScope, syncToken) === null) {
        throw new GoogleApiError(
          400,
          'FAILED_PRECONDITION',
          'Sync token is expired. Clear local cache and retry call without the sync token.',
          [{ message: 'Sync token is expired.', domain: 'global', reason: 'failedPrecondition' }],
        );
      }
      return {
        nextSyncToken: ctx.pageTokens.issue(syncScope, 0),
        totalPeople: contacts.length,
        totalItems: contacts.length,
      };
    }
    const scope = JSON.stringify(['people', caller.account.sub, sortOrder]);
    const token = one(query, 'pageToken');
    const offset = token === undefined || token === '' ? 0 : ctx.pageTokens.read(scope, token);
    if (offset === null) throw badRequest('Page token is invalid.');
    const sorted = sortContacts(contacts, sortOrder);
    const { page, nextPageToken } = paginate(sorted, offset, size, (next) => ctx.pageTokens.issue(scope, next));
    const body: Record<string, unknown> = {};
    if (page.length > 0) body.connections = page.map((c) => contactPerson(c, fields));
    if (nextPageToken) body.nextPageToken = nextPageToken;
    else if (requestSyncToken) body.nextSyncToken = ctx.pageTokens.issue(syncScope, 0);
    body.totalPeople = contacts.length;
    body.totalItems = contacts.length;
    return body;
  });

  apiRoute(app, ctx, '/v1/people/:resource', GET_PERSON, ({ caller, query, params }) => {
    const fields = parsePersonFields(one(query, 'personFields'), one(query, 'requestMask.includeField'));
    const resource = params.resource ?? '';
    if (resource === 'me' || resource === caller.account.sub) return selfPerson(caller.account, fields, caller.scopes);
    const contact = caller.account.contacts.find((c) => c.resourceName === `people/${resource}`);
    // Reading someone else's contact card needs a contacts scope; profile scopes only reach the caller's own.
    const mayRead = [...caller.scopes].some((s) => s.startsWith(AUTH + 'contacts'));
    if (!/^c?\d{1,25}$/.test(resource)) throw badRequest(`Resource name is not valid: people/${resource.slice(0, 40)}`);
    if (!contact || !mayRead) throw notFound('Requested entity was not found.');
    return contactPerson(contact, fields);
  });
}
