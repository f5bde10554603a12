import { invalidParameter } from './errors.js';

/** A parsed query string: Fastify gives a string, or an array when a name repeats. */
export type Query = Record<string, string | string[] | undefined>;

/** The single value of a query parameter; Google reads the first when a single-valued one repeats. */
export function one(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a repeatable query parameter. */
export function many(query: Query, name: string): string[] {
  const value = query[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** An integer parameter within `[min, max]`, worded as Google words its range errors. */
export function integer(query: Query, name: string, range: { min: number; max: number; fallback: number }): number {
  const raw = one(query, name);
  if (raw === undefined || raw === '') return range.fallback;
  if (!/^-?\d{1,10}$/.test(raw)) return fail(name, `Invalid value '${raw}'. Values must be integers.`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    return fail(name, `Invalid value '${raw}'. Values must be within the range: [${range.min}, ${range.max}]`);
  }
  return value;
}

/** A boolean parameter: `true` or `false`, as Google accepts them. */
export function boolean(query: Query, name: string, fallback: boolean): boolean {
  const raw = one(query, name);
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return fail(name, `Invalid value '${raw}'. Values must be true or false.`);
}

/** One of a fixed set of values. */
export function oneOf<T extends string>(query: Query, name: string, allowed: readonly T[]): T | undefined {
  const raw = one(query, name);
  if (raw === undefined || raw === '') return undefined;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  return fail(name, `Invalid value '${raw}'. Allowed values: [${allowed.join(', ')}]`);
}

function fail(name: string, message: string): never {
  throw invalidParameter(name, message);
}
