import { createHash } from 'node:crypto';
import type { SeedCalendar, SeedCalendarEvent, SeedEventTime } from '../../seed.js';
import { expand, parseExDates, parseRule } from './recurrence.js';
import { formatInZone, parseLocal, zonedToUtc } from './time-zone.js';

const DAY = 86_400_000;

/** Calendar's etags: a quoted decimal number. */
export const etag = (...parts: string[]): string =>
  `"${BigInt('0x' + createHash('sha256').update(parts.join(' ')).digest('hex').slice(0, 13)).toString()}"`;

/** One occurrence to show: a single event, a recurring series' master, or one expanded instance. */
export interface Occurrence {
  event: SeedCalendarEvent;
  startMs: number;
  endMs: number;
  /** Present on expanded instances: the wall-clock start of this occurrence. */
  instanceLocal?: number;
}

/** A seeded start/end turned into an instant; all-day dates begin at midnight in the calendar's zone. */
function instant(time: SeedEventTime, zone: string): number {
  return 'date' in time
    ? zonedToUtc(parseLocal(time.date), zone)
    : zonedToUtc(parseLocal(time.dateTime), time.timeZone);
}

export function occurrences(
  event: SeedCalendarEvent,
  calendar: SeedCalendar,
  single: boolean,
  horizon: number,
): Occurrence[] {
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
export function span(event: SeedCalendarEvent, calendar: SeedCalendar): { startMs: number; endMs: number } {
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

export function eventResource(
  o: Occurrence,
  calendar: SeedCalendar,
  owner: string,
  zone: string,
): Record<string, unknown> {
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
