import type { SeedCalendar } from '../../seed.js';
import { etag } from './occurrence.js';

/** A seeded calendar as a `calendar#calendarListEntry`. */
export function listEntry(calendar: SeedCalendar): Record<string, unknown> {
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
