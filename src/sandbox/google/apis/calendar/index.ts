import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SeedCalendar, SeedCalendarEvent, SeedEventTime } from '../../seed.js';
import type { ApiMethod, Caller } from '../auth.js';
import { badRequest, GoogleApiError, invalidParameter, notFound } from '../errors.js';
import { paginate } from '../page-token.js';
import { boolean, integer, one, oneOf, type Query } from '../params.js';
import { type ApiContext, apiRoute } from '../route.js';
import { expand, parseExDates, parseRule } from './recurrence.js';
import { formatInZone, isTimeZone, parseLocal, zonedToUtc } from './time-zone.js';

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

const etag = (...parts: string[]): string =>
  `"${BigInt('0x' + createHash('sha256').update(parts.join(' ')).digest('hex').slice(0, 13)).toString()}"`;

/** One occurrence to show: a single event, a recurring series' master, or one expanded instance. */
interface Occurrence {
  event: SeedCalendarEvent;
  startMs: number;
  endMs: number;
  /** Present on expanded instances: the wall-clock start of this occurrence. */
  instanceLocal?: number;
}

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

/** A seeded start/end turned into an instant; all-day dates begin at midnight in the calendar's zone. */
function instant(time: SeedEventTime, zone: string): number {
  return 'date' in time
    ? zonedToUtc(parseLocal(time.date), zone)
    : zonedToUtc(parseLocal(time.dateTime), time.timeZone);
}

function occurrences(event: SeedCalendarEvent, calendar: SeedCalendar, single: boolean, horizon: number): Occurrence[] {
  const startMs = instant(event.start, calendar.timeZone);
  const endMs = instant(event.end, calendar.timeZone);
  const rule = event.recurrence ? parseRule(event.recurrence) : null;
  if (!rule || !event.recurrence) return [{ event, startMs, endMs }];
  const allDay = 'date' in event.start;
  const zone = 'timeZone' in event.start ? event.start.timeZone : calendar.timeZone;
  const startLocal = parseLocal('date' in event.start ? event.start.date : event.start.dateTime);
  const toUtc = (local: number) => zonedToUtc(local, zone);
  const bounded = rule.count !== undefined || rule.until !== undefined;
  // Unexpanded, a series is one item spanning its first to last occurrence, so a bounded one is expanded whole;
  // expanded, instances past the window's end are never shown, so generation stops a little after it.
  const limit = single ? horizon + 14 * DAY : bounded ? Number.POSITIVE_INFINITY : startLocal;
  const locals = expand(startLocal, rule, parseExDates(event.recurrence), toUtc, limit);
  const instances = locals.map((local) => {
    const s = toUtc(local);
    // All-day instances keep their length in days; timed ones keep their length in real time.
    const e = allDay ? toUtc(local + Math.round((endMs - startMs) / DAY) * DAY) : s + (endMs - startMs);
    return { event, startMs: s, endMs: e, instanceLocal: local };
  });
  if (single) return instances;
  if (instances.length === 0) return [];
  const last = bounded ? instances[instances.length - 1]!.endMs : Number.POSITIVE_INFINITY;
  return [{ event, startMs: instances[0]!.startMs, endMs: last }];
}

/** A single event's (or a series master's own) start and end instants. */
function span(event: SeedCalendarEvent, calendar: SeedCalendar): { startMs: number; endMs: number } {
  return { startMs: instant(event.start, calendar.timeZone), endMs: instant(event.end, calendar.timeZone) };
}

function basicUtc(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function renderTime(time: SeedEventTime, ms: number, zone: string): Record<string, string> {
  if ('date' in time) return { date: new Date(ms + 12 * 3_600_000).toISOString().slice(0, 10) };
  return { dateTime: formatInZone(ms, zone), timeZone: time.timeZone };
}

function dateOfLocal(local: number): string {
  return new Date(local).toISOString().slice(0, 10);
}

function eventResource(o: Occurrence, calendar: SeedCalendar, owner: string, zone: string): Record<string, unknown> {
  const { event } = o;
  const instance = o.instanceLocal !== undefined;
  const allDay = 'date' in event.start;
  const id = instance
    ? `${event.id}_${allDay ? dateOfLocal(o.instanceLocal!).replace(/-/g, '') : basicUtc(o.startMs)}`
    : event.id;
  const eid = Buffer.from(`${id} ${calendar.id}`).toString('base64url');
  const organizer = calendar.primary
    ? { email: owner, self: true }
    : { email: calendar.id, displayName: calendar.summary, self: true };
  const out: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: etag(event.id, event.updated, id),
    id,
    status: event.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${eid}`,
    created: event.created,
    updated: event.updated,
    summary: event.summary,
  };
  if (event.description) out.description = event.description;
  if (event.location) out.location = event.location;
  out.creator = { email: owner, self: true };
  out.organizer = organizer;
  if (allDay) {
    out.start = { date: instance ? dateOfLocal(o.instanceLocal!) : (event.start as { date: string }).date };
    out.end = {
      date: instance
        ? dateOfLocal(
            o.instanceLocal! +
              (parseLocal((event.end as { date: string }).date) - parseLocal((event.start as { date: string }).date)),
          )
        : (event.end as { date: string }).date,
    };
  } else {
    const base = instance
      ? { startMs: o.startMs, endMs: o.endMs }
      : { startMs: instant(event.start, calendar.timeZone), endMs: instant(event.end, calendar.timeZone) };
    out.start = renderTime(event.start, base.startMs, zone);
    out.end = renderTime(event.end, base.endMs, zone);
  }
  if (instance) {
    out.recurringEventId = event.id;
    out.originalStartTime = allDay ? { date: dateOfLocal(o.instanceLocal!) } : renderTime(event.start, o.startMs, zone);
  } else if (event.recurrence) {
    out.recurrence = event.recurrence;
  }
  out.iCalUID = `${event.id}@google.com`;
  out.sequence = 0;
  if (event.attendees) out.attendees = event.attendees;
  out.reminders = { useDefault: true };
  out.eventType = 'default';
  return out;
}

function listEntry(calendar: SeedCalendar): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: 'calendar#calendarListEntry',
    etag: etag('cal', calendar.id),
    id: calendar.id,
    summary: calendar.summary,
  };
  if (calendar.description) out.description = calendar.description;
  Object.assign(out, {
    timeZone: calendar.timeZone,
    colorId: calendar.colorId,
    backgroundColor: calendar.backgroundColor,
    foregroundColor: calendar.foregroundColor,
    selected: calendar.selected,
    accessRole: calendar.accessRole,
    defaultReminders: calendar.primary ? [{ method: 'popup', minutes: 10 }] : [],
  });
  if (calendar.primary) {
    out.notificationSettings = {
      notifications: [
        { type: 'eventCreation', method: 'email' },
        { type: 'eventChange', method: 'email' },
        { type: 'eventCancellation', method: 'email' },
        { type: 'eventResponse', method: 'email' },
      ],
    };
    out.primary = true;
  }
  out.conferenceProperties = { allowedConferenceSolutionTypes: ['hangoutsMeet'] };
  return out;
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
