import { eventId } from './deterministic.js';
import { DAY, HOUR, iso, SEED_EPOCH } from './epoch.js';
import type { SeedCalendar, SeedCalendarEvent } from './types.js';

// Calendar: a primary and a secondary calendar per account, and the events every account shares.

const pad = (n: number): string => String(n).padStart(2, '0');

/** The date `days` after the seed epoch's UTC date, as `YYYY-MM-DD`. */
function dayOffset(days: number): string {
  return new Date(SEED_EPOCH + days * DAY).toISOString().slice(0, 10);
}

function at(days: number, hour: number, minute: number, timeZone: string): { dateTime: string; timeZone: string } {
  return { dateTime: `${dayOffset(days)}T${pad(hour)}:${pad(minute)}:00`, timeZone };
}

interface EventSpec {
  summary: string;
  calendar: 'primary' | 'secondary';
  /** Days from the epoch (negative = past). */
  day: number;
  hour?: number;
  minute?: number;
  durationMinutes?: number;
  allDayLength?: number;
  recurrence?: string[];
  location?: string;
  description?: string;
  status?: 'confirmed' | 'tentative' | 'cancelled';
  attendees?: number;
}

export function calendarEvents(
  key: string,
  owner: { name: string; email: string },
  calendars: SeedCalendar[],
  guests: { name: string; email: string }[],
  specs: EventSpec[],
): SeedCalendarEvent[] {
  const primary = calendars.find((c) => c.primary)!;
  const secondary = calendars.find((c) => !c.primary)!;
  return specs.map((spec, i) => {
    const calendar = spec.calendar === 'primary' ? primary : secondary;
    const created = iso(SEED_EPOCH + Math.min(spec.day, 0) * DAY - 14 * DAY - i * HOUR);
    const event: SeedCalendarEvent = {
      id: eventId(key, spec.summary, String(i)),
      calendarId: calendar.id,
      status: spec.status ?? 'confirmed',
      summary: spec.summary,
      start: { date: dayOffset(spec.day) },
      end: { date: dayOffset(spec.day + (spec.allDayLength ?? 1)) },
      created,
      updated: iso(Date.parse(created) + 2 * HOUR),
    };
    if (spec.allDayLength === undefined) {
      const hour = spec.hour ?? 9;
      const minute = spec.minute ?? 0;
      const endMinutes = hour * 60 + minute + (spec.durationMinutes ?? 30);
      event.start = at(spec.day, hour, minute, calendar.timeZone);
      event.end = at(spec.day, Math.floor(endMinutes / 60), endMinutes % 60, calendar.timeZone);
    }
    if (spec.recurrence) event.recurrence = spec.recurrence;
    if (spec.location) event.location = spec.location;
    if (spec.description) event.description = spec.description;
    if (spec.attendees) {
      event.attendees = [
        { email: owner.email, displayName: owner.name, responseStatus: 'accepted', organizer: true, self: true },
        ...guests.slice(0, spec.attendees).map((g, j) => ({
          email: g.email,
          displayName: g.name,
          responseStatus: ['accepted', 'needsAction', 'tentative', 'declined'][(i + j) % 4]!,
        })),
      ];
    }
    return event;
  });
}

export const COMMON_EVENTS: EventSpec[] = [
  {
    summary: 'Team standup',
    calendar: 'primary',
    day: -10,
    hour: 9,
    minute: 30,
    durationMinutes: 15,
    recurrence: ['RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=40'],
    attendees: 3,
  },
  {
    summary: 'One-on-one',
    calendar: 'primary',
    day: -8,
    hour: 14,
    durationMinutes: 30,
    recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8'],
    attendees: 1,
  },
  {
    summary: 'Monthly review',
    calendar: 'primary',
    day: -13,
    hour: 16,
    durationMinutes: 60,
    recurrence: ['RRULE:FREQ=MONTHLY;COUNT=6'],
    location: 'Room 4.02',
  },
  {
    summary: 'Dentist',
    calendar: 'primary',
    day: 5,
    hour: 10,
    minute: 30,
    durationMinutes: 45,
    location: '12 High St',
  },
  {
    summary: 'Design review: storage layer',
    calendar: 'primary',
    day: 6,
    hour: 13,
    durationMinutes: 90,
    attendees: 4,
    description: 'Walk through the storage interface and the migration plan.',
  },
  { summary: 'Conference', calendar: 'primary', day: 20, allDayLength: 3, location: 'Zürich' },
  { summary: 'Lunch with Alan', calendar: 'primary', day: -3, hour: 12, durationMinutes: 60 },
  { summary: 'Cancelled: vendor call', calendar: 'primary', day: 1, hour: 11, status: 'cancelled' },
  { summary: 'Maybe: book club', calendar: 'primary', day: 7, hour: 19, durationMinutes: 120, status: 'tentative' },
  { summary: 'Quarterly planning', calendar: 'primary', day: 33, hour: 10, durationMinutes: 180, attendees: 5 },
  { summary: 'Release freeze', calendar: 'secondary', day: 12, allDayLength: 2 },
  {
    summary: 'On-call rotation',
    calendar: 'secondary',
    day: -21,
    allDayLength: 7,
    recurrence: ['RRULE:FREQ=WEEKLY;INTERVAL=3;COUNT=6'],
  },
  {
    summary: 'Daily backup check',
    calendar: 'secondary',
    day: -2,
    hour: 8,
    durationMinutes: 10,
    recurrence: ['RRULE:FREQ=DAILY;UNTIL=20260131T235959Z'],
  },
  { summary: 'Team offsite', calendar: 'secondary', day: 40, allDayLength: 2, location: 'Lake Geneva' },
];
