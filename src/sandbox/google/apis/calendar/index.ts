import type { FastifyInstance } from 'fastify';
import type { SeedCalendar } from '../../seed.js';
import type { ApiMethod, Caller } from '../auth.js';
import { badRequest, GoogleApiError, invalidParameter, notFound } from '../errors.js';
import { paginate } from '../page-token.js';
import { boolean, integer, one, oneOf, type Query } from '../params.js';
import { type ApiContext, apiRoute } from '../route.js';
import { listEntry } from './list-entry.js';
import { etag, eventResource, type Occurrence, occurrences, span } from './occurrence.js';
import { isTimeZone } from './time-zone.js';

const AUTH = 'https://www.googleapis.com/auth/';
const SERVICE = 'calendar-json.googleapis.com';
const DAY = 86_400_000;

const CALENDAR_LIST: ApiMethod = {
  service: SERVICE,
  method: 'calendar.v3.CalendarList.List',
  scopes: ['calendar', 'calendar.calendarlist', 'calendar.calendarlist.readonly', 'calendar.readonly'].map(
    (s) => AUTH + s,
  ),
};
const EVENTS_LIST: ApiMethod = {
  service: SERVICE,
  method: 'calendar.v3.Events.List',
  scopes: [
    'calendar',
    'calendar.app.created',
    'calendar.events',
    'calendar.events.freebusy',
    'calendar.events.owned',
    'calendar.events.owned.readonly',
    'calendar.events.public.readonly',
    'calendar.events.readonly',
    'calendar.readonly',
  ].map((s) => AUTH + s),
};

const EVENTS_GET: ApiMethod = { ...EVENTS_LIST, method: 'calendar.v3.Events.Get' };

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const ROLES = ['freeBusyReader', 'reader', 'writer', 'owner'] as const;

function timeParam(query: Query, name: string): number | undefined {
  const raw = one(query, name);
  if (raw === undefined || raw === '') return undefined;
  const ms = Date.parse(raw);
  if (!RFC3339.test(raw) || Number.isNaN(ms)) throw badRequest('Bad Request');
  return ms;
}

function findCalendar(caller: Caller, calendarId: string): SeedCalendar {
  const calendars = caller.account.calendar.calendars;
  const found =
    calendarId === 'primary'
      ? calendars.find((c) => c.primary)
      : calendars.find((c) => c.id.toLowerCase() === calendarId.toLowerCase());
  if (!found) throw notFound('Not Found');
  return found;
}

function syncExpired(): GoogleApiError {
  const message = 'Sync token is no longer valid, a full sync is required.';
  return new GoogleApiError(410, 'GONE', message, [{ message, domain: 'global', reason: 'fullSyncRequired' }]);
}

/** Calendar v3: `calendarList.list` and `events.list` (with recurring events expanded by `singleEvents`). */
export function registerCalendar(app: FastifyInstance, ctx: ApiContext): void {
  apiRoute(app, ctx, '/calendar/v3/users/:user/calendarList', CALENDAR_LIST, ({ caller, params, query }) => {
    if (params.user !== 'me') throw notFound('Not Found');
    const maxResults = integer(query, 'maxResults', { min: 1, max: 1_000_000, fallback: 100 });
    const minRole = oneOf(query, 'minAccessRole', ROLES);
    const showHidden = boolean(query, 'showHidden', false);
    boolean(query, 'showDeleted', false);
    const syncScope = `calendarList-sync ${caller.account.sub}`;
    const syncToken = one(query, 'syncToken');
    if (syncToken !== undefined && syncToken !== '') {
      if (ctx.pageTokens.read(syncScope, syncToken) === null) throw syncExpired();
      return {
        kind: 'calendar#calendarList',
        etag: etag('list', caller.account.sub),
        nextSyncToken: ctx.pageTokens.issue(syncScope, 0),
        items: [],
      };
    }
    const rank = (role: string) => ROLES.indexOf(role as (typeof ROLES)[number]);
    const calendars = caller.account.calendar.calendars.filter(
      (c) => minRole === undefined || rank(c.accessRole) >= rank(minRole),
    );
    const scope = JSON.stringify(['calendarList', caller.account.sub, minRole ?? '', showHidden]);
    const token = one(query, 'pageToken');
    const offset = token === undefined || token === '' ? 0 : ctx.pageTokens.read(scope, token);
    if (offset === null) throw invalidParameter('pageToken', 'Invalid page token value.');
    const { page, nextPageToken } = paginate(calendars, offset, Math.min(maxResults, 250), (n) =>
      ctx.pageTokens.issue(scope, n),
    );
    const body: Record<string, unknown> = { kind: 'calendar#calendarList', etag: etag('list', caller.account.sub) };
    if (nextPageToken) body.nextPageToken = nextPageToken;
    else body.nextSyncToken = ctx.pageTokens.issue(syncScope, 0);
    body.items = page.map(listEntry);
    return body;
  });

  apiRoute(app, ctx, '/calendar/v3/calendars/:calendarId/events', EVENTS_LIST, ({ caller, params, query }) => {
    const calendar = findCalendar(caller, params.calendarId ?? '');
    const timeMin = timeParam(query, 'timeMin');
    const timeMax = timeParam(query, 'timeMax');
    if (timeMin !== undefined && timeMax !== undefined && timeMin >= timeMax) {
      const message = 'The specified time range is empty.';
      throw new GoogleApiError(400, 'INVALID_ARGUMENT', message, [
        { message, domain: 'calendar', reason: 'timeRangeEmpty', location: 'timeMax', locationType: 'parameter' },
      ]);
    }
    const singleEvents = boolean(query, 'singleEvents', false);
    const orderBy = oneOf(query, 'orderBy', ['startTime', 'updated'] as const);
    if (orderBy === 'startTime' && !singleEvents) {
      throw invalidParameter('orderBy', 'The requested ordering is not available for the particular query.');
    }
    // Calendar accepts any positive size and never returns more than 2500 per page.
    const maxResults = Math.min(2500, integer(query, 'maxResults', { min: 1, max: 1_000_000, fallback: 250 }));
    const showDeleted = boolean(query, 'showDeleted', false);
    const zoneParam = one(query, 'timeZone');
    if (zoneParam !== undefined && zoneParam !== '' && !isTimeZone(zoneParam))
      throw invalidParameter('timeZone', 'Invalid time zone definition.');
    const zone = zoneParam || calendar.timeZone;
    const q = (one(query, 'q') ?? '').toLowerCase();
    const syncScope = `events-sync ${caller.account.sub} ${calendar.id}`;
    const syncToken = one(query, 'syncToken');
    const header = {
      kind: 'calendar#events',
      etag: etag('events', calendar.id),
      summary: calendar.summary,
      ...(calendar.description ? { description: calendar.description } : {}),
      updated: calendar.primary ? '2026-01-14T12:00:00.000Z' : '2026-01-10T12:00:00.000Z',
      timeZone: zone,
      accessRole: calendar.accessRole,
      defaultReminders: calendar.primary ? [{ method: 'popup', minutes: 10 }] : [],
    };
    if (syncToken !== undefined && syncToken !== '') {
      if (ctx.pageTokens.read(syncScope, syncToken) === null) throw syncExpired();
      return { ...header, nextSyncToken: ctx.pageTokens.issue(syncScope, 0), items: [] };
    }
    const horizon = timeMax ?? ctx.clock.now() + 730 * DAY;
    const owner = caller.account.email;
    const found = caller.account.calendar.events
      .filter((e) => e.calendarId === calendar.id)
      .filter((e) => showDeleted || e.status !== 'cancelled')
      .filter((e) => q === '' || `${e.summary} ${e.description ?? ''} ${e.location ?? ''}`.toLowerCase().includes(q))
      .flatMap((e) => occurrences(e, calendar, singleEvents, horizon))
      .filter((o) => (timeMin === undefined || o.endMs > timeMin) && (timeMax === undefined || o.startMs < timeMax));
    const tie = (a: Occurrence, b: Occurrence) => (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0);
    found.sort(
      orderBy === 'updated'
        ? (a, b) => Date.parse(a.event.updated) - Date.parse(b.event.updated) || a.startMs - b.startMs || tie(a, b)
        : (a, b) => a.startMs - b.startMs || tie(a, b),
    );
    const scope = JSON.stringify([
      'events',
      caller.account.sub,
      calendar.id,
      timeMin ?? '',
      timeMax ?? '',
      singleEvents,
      orderBy ?? '',
      showDeleted,
      q,
    ]);
    const token = one(query, 'pageToken');
    const offset = token === undefined || token === '' ? 0 : ctx.pageTokens.read(scope, token);
    if (offset === null) throw invalidParameter('pageToken', 'Invalid page token value.');
    const { page, nextPageToken } = paginate(found, offset, maxResults, (n) => ctx.pageTokens.issue(scope, n));
    const body: Record<string, unknown> = { ...header };
    if (nextPageToken) body.nextPageToken = nextPageToken;
    else body.nextSyncToken = ctx.pageTokens.issue(syncScope, 0);
    body.items = page.map((o) => eventResource(o, calendar, owner, zone));
    return body;
  });

  apiRoute(app, ctx, '/calendar/v3/calendars/:calendarId/events/:eventId', EVENTS_GET, ({ caller, params, query }) => {
    const calendar = findCalendar(caller, params.calendarId ?? '');
    const zoneParam = one(query, 'timeZone');
    if (zoneParam !== undefined && zoneParam !== '' && !isTimeZone(zoneParam)) {
      throw invalidParameter('timeZone', 'Invalid time zone definition.');
    }
    const zone = zoneParam || calendar.timeZone;
    const wanted = params.eventId ?? '';
    // An instance id is the series id, an underscore, and the occurrence's original start.
    const [seriesId, suffix] = wanted.split('_', 2) as [string, string | undefined];
    const event = caller.account.calendar.events.find((e) => e.calendarId === calendar.id && e.id === seriesId);
    if (!event) throw notFound('Not Found');
    if (suffix === undefined)
      return eventResource({ event, ...span(event, calendar) }, calendar, caller.account.email, zone);
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(suffix);
    if (!m || !event.recurrence) throw notFound('Not Found');
    const at = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    const instance = occurrences(event, calendar, true, at + 2 * DAY).find(
      (o) => eventResource(o, calendar, caller.account.email, zone).id === wanted,
    );
    if (!instance) throw notFound('Not Found');
    return eventResource(instance, calendar, caller.account.email, zone);
  });
}
