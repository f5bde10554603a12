import { z } from 'zod';
import { clerkErrors } from './clerk-errors.js';

/**
 * Reads a request body against `schema` the way Clerk does: unknown parameters are refused with
 * `form_param_unknown`, a missing one with `form_param_missing`, a malformed one with `form_param_format_invalid`.
 */
export function parseParams<S extends z.ZodObject>(schema: S, body: unknown): z.infer<S> {
  const input = body === undefined || body === null || body === '' ? {} : body;
  if (typeof input !== 'object' || Array.isArray(input)) throw clerkErrors.malformedBody();
  const known = new Set(Object.keys(schema.shape));
  for (const key of Object.keys(input)) if (!known.has(key)) throw clerkErrors.formParamUnknown(key);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? 'body');
  const value = (input as Record<string, unknown>)[name];
  if (value === undefined) throw clerkErrors.formParamMissing(name);
  throw clerkErrors.formParamInvalid(name, `${name} is invalid: ${issue?.message ?? 'bad value'}`);
}

/** A query parameter that may be repeated (`?user_id=a&user_id=b`) as a list. */
export function listParam(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}

/** A non-negative integer query parameter within bounds, or Clerk's 422. */
export function intParam(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw clerkErrors.formParamInvalid(name, `${name} must be an integer between 0 and ${max}.`);
  }
  return n;
}

export const emailSchema = z.string().trim().toLowerCase().pipe(z.email());
export const metadataSchema = z.record(z.string(), z.unknown());
