/**
 * Expands the RFC 5545 recurrence rules Calendar events carry, for the subset the seed (and most calendars) use:
 * `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY` with `INTERVAL`, `COUNT`, `UNTIL`, and `BYDAY` on weekly rules, plus `EXDATE`.
 * Works on wall-clock times ("local as if UTC" numbers), so a 09:30 stand-up stays at 09:30 across DST changes.
 */

const DAY = 86_400_000;
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
/** Enough for any sane series; stops a bad rule from spinning. */
const MAX_INSTANCES = 2000;

export interface Rule {
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  interval: number;
  count?: number;
  /** An instant (UTC ms) for date-time UNTIL, or a wall-clock date for date-only UNTIL. */
  until?: { utc: number } | { local: number };
  byDay?: number[];
}

/** Parses the `RRULE:` line of a recurrence, or returns null when there is none or it is beyond the subset. */
export function parseRule(lines: readonly string[]): Rule | null {
  const line = lines.find((l) => l.startsWith('RRULE:'));
  if (!line) return null;
  const parts = new Map(
    line
      .slice(6)
      .split(';')
      .map((kv) => kv.split('=') as [string, string]),
  );
  const freq = parts.get('FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY' && freq !== 'YEARLY') return null;
  const rule: Rule = { freq, interval: Math.max(1, Number(parts.get('INTERVAL') ?? 1) || 1) };
  const count = parts.get('COUNT');
  if (count !== undefined) rule.count = Math.max(0, Number(count) || 0);
  const until = parts.get('UNTIL');
  if (until !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(until);
    if (m) {
      const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
      rule.until = m[4] === undefined ? { local: ms } : { utc: ms };
    }
  }
  const byDay = parts.get('BYDAY');
  if (byDay && freq === 'WEEKLY') {
    const days = byDay.split(',').map((d) => WEEKDAYS.indexOf(d.trim()));
    if (days.every((d) => d >= 0)) rule.byDay = [...new Set(days)].sort((a, b) => a - b);
  }
  return rule;
}

/** Wall-clock dates excluded by `EXDATE` lines (date or date-time values, compared by wall-clock start). */
export function parseExDates(lines: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const line of lines) {
    if (!line.startsWith('EXDATE')) continue;
    const values = line.slice(line.indexOf(':') + 1).split(',');
    for (const v of values) {
      const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?/.exec(v.trim());
      if (m) out.add(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)));
    }
  }
  return out;
}

const weekdayIndex = (local: number): number => (new Date(local).getUTCDay() + 6) % 7;

function addMonths(local: number, months: number): number | null {
  const d = new Date(local);
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ),
  );
  // 31 January plus one month is not a date: RFC 5545 skips it rather than rolling over.
  return target.getUTCDate() === d.getUTCDate() ? target.getTime() : null;
}

/**
 * The wall-clock starts of a series, in order, from `start` on. `toUtc` turns a wall-clock start into an instant,
 * so `UNTIL` (an instant) is honoured; generation stops at `COUNT`, `UNTIL` or once past `horizonLocal`.
 */
export function expand(
  start: number,
  rule: Rule,
  exDates: ReadonlySet<number>,
  toUtc: (local: number) => number,
  horizonLocal: number,
): number[] {
  const out: number[] = [];
  let produced = 0;
  const accept = (local: number): boolean => {
    if (rule.until) {
      const beyond = 'utc' in rule.until ? toUtc(local) > rule.until.utc : local - (local % DAY) > rule.until.local;
      if (beyond) return false;
    }
    if (rule.count !== undefined && produced >= rule.count) return false;
    produced++;
    if (!exDates.has(local)) out.push(local);
    return true;
  };
  for (let step = 0; step < MAX_INSTANCES * 4 && out.length < MAX_INSTANCES; step++) {
    let candidates: number[];
    switch (rule.freq) {
      case 'DAILY':
        candidates = [start + step * rule.interval * DAY];
        break;
      case 'WEEKLY': {
        if (!rule.byDay) {
          candidates = [start + step * rule.interval * 7 * DAY];
          break;
        }
        const monday = start - weekdayIndex(start) * DAY + step * rule.interval * 7 * DAY;
        candidates = rule.byDay.map((d) => monday + d * DAY).filter((c) => c >= start);
        break;
      }
      case 'MONTHLY': {
        const next = addMonths(start, step * rule.interval);
        candidates = next === null ? [] : [next];
        break;
      }
      case 'YEARLY': {
        const next = addMonths(start, step * rule.interval * 12);
        candidates = next === null ? [] : [next];
        break;
      }
    }
    for (const c of candidates) {
      if (c > horizonLocal) return out;
      if (!accept(c)) return out;
    }
  }
  return out;
}
