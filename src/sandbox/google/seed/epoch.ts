/** The instant the seed data is laid out around: "now" in the seeded world. */
export const SEED_EPOCH = Date.parse('2026-01-15T09:00:00Z');

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

export const iso = (ms: number): string => new Date(ms).toISOString();
