/** Wall-clock arithmetic in IANA time zones, on top of Intl (Node ships the zone data). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (positive east of Greenwich). */
export function offsetAt(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time names in a zone. `local` is the wall-clock time written as if it were UTC
 * (`Date.UTC(y, m, d, h, mi, s)`). In a DST gap the later offset wins; in an overlap, the earlier instant.
 */
export function zonedToUtc(local: number, timeZone: string): number {
  const first = local - offsetAt(local, timeZone);
  const second = local - offsetAt(first, timeZone);
  return offsetAt(second, timeZone) === local - second ? second : first;
}

/** An instant as RFC 3339 in a zone, as Calendar writes it: `2026-01-05T09:30:00-05:00`, or `Z` at offset 0. */
export function formatInZone(ms: number, timeZone: string): string {
  const offset = offsetAt(ms, timeZone);
  const local = new Date(ms + offset).toISOString().slice(0, 19);
  if (offset === 0) return local + 'Z';
  const minutes = Math.abs(offset) / 60_000;
  const sign = offset > 0 ? '+' : '-';
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Parses a seed's `YYYY-MM-DDTHH:mm:ss` or `YYYY-MM-DD` into the "wall clock as if UTC" number. */
export function parseLocal(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?$/.exec(value);
  if (!m) throw new Error(`not a local date-time: ${value}`);
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
}
