import { EnvError, shown } from './env-error.js';
import { publicUrl } from './public-url.js';
import { httpUrl, originList } from './url.js';

/**
 * One environment variable: how it reads and what the README says about it. The variables table
 * (`variables.ts`) is a record of these; parsing and the README's configuration table both come from it.
 */
export interface Variable<T> {
  /** What a value looks like, in the README's words (`port`, `origin`, `` `auto`, `clerk` or `oauth` ``). */
  type: string;
  /** The default as the README shows it (`3000`, `–` for none, `sandbox` when the sandbox fills it in). */
  default: string;
  /** What it is for, one line in the README. */
  description: string;
  /** A secret: its checks never echo the value (readme-table.test.ts holds them to it), and the README marks it. */
  secret: boolean;
  /** The value from a trimmed, non-empty string, or the default when the variable is unset (`undefined`). */
  parse(raw: string | undefined, name: string): T;
}

/** What every kind of variable is given: its description, and how the README shows its default when it has none. */
interface Described {
  description: string;
  secret?: boolean;
  /** The README's default column, when it is not the default value itself. */
  shownDefault?: string;
}

const variable = <T>(
  type: string,
  fallback: string,
  options: Described,
  parse: (raw: string | undefined, name: string) => T,
): Variable<T> => ({
  type,
  default: options.shownDefault ?? fallback,
  description: options.description,
  secret: options.secret ?? false,
  parse,
});

/** An optional value checked by `check`; unset gives undefined. */
export function optional<T>(
  type: string,
  options: Described,
  check: (raw: string, name: string) => T,
): Variable<T | undefined> {
  return variable(type, '–', options, (raw, name) => (raw === undefined ? undefined : check(raw, name)));
}

/** A value checked by `check`; unset gives `fallback`. */
export function checked<T>(
  type: string,
  fallback: T,
  options: Described,
  check: (raw: string, name: string) => T,
): Variable<T> {
  return variable(type, `\`${String(fallback)}\``, options, (raw, name) =>
    raw === undefined ? fallback : check(raw, name),
  );
}

/** A TCP port from 0 to 65535. */
export function port(fallback: number, options: Described): Variable<number> {
  return variable('port', `\`${fallback}\``, options, (raw, name) => {
    if (raw === undefined) return fallback;
    if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) {
      throw new EnvError(name, `expected a port number from 0 to 65535, got ${shown(raw)}.`);
    }
    return Number(raw);
  });
}

/** A whole number within `[min, max]`; `unit` (`seconds`, `bytes`) words the README type and the error. */
export function whole(
  fallback: number,
  options: Described & { min?: number; max?: number; unit?: string; zero?: string },
): Variable<number> {
  const min = options.min ?? 0;
  const what = options.unit === undefined ? 'a whole number' : `a whole number of ${options.unit}`;
  const range = options.max !== undefined ? ` from ${min} to ${options.max}` : min > 0 ? ` of at least ${min}` : '';
  const zero = options.zero === undefined ? '' : ` (0 ${options.zero})`;
  const type = `${options.unit ?? 'number'}${options.max !== undefined ? ` ${min}–${options.max}` : min > 0 ? ` ≥ ${min}` : ''}`;
  const described =
    options.zero === undefined ? options : { ...options, description: `${options.description}; \`0\` ${options.zero}` };
  return variable(type, `\`${fallback}\``, described, (raw, name) => {
    if (raw === undefined) return fallback;
    const value = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
    if (Number.isNaN(value) || value < min || value > (options.max ?? Number.MAX_SAFE_INTEGER)) {
      throw new EnvError(name, `expected ${what}${range}${zero}, got ${shown(raw)}.`);
    }
    return value;
  });
}

/** One of a few words; `caseless` accepts any letter case (as `LOG_LEVEL` does). */
export function oneOf<const T extends string>(
  values: readonly T[],
  fallback: T,
  options: Described & { caseless?: boolean },
): Variable<T> {
  const words = values.map((v) => `\`${v}\``);
  const type = `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  return variable(type, `\`${fallback}\``, options, (raw, name) => {
    if (raw === undefined) return fallback;
    const value = options.caseless ? raw.toLowerCase() : raw;
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new EnvError(name, `expected ${values.join(', ')}, got ${shown(raw)}.`);
  });
}

/** `on` or `off` (also `true`/`false`, `1`/`0`); unset gives undefined, so the caller picks the default. */
export function onOff(options: Described & { shownDefault: string }): Variable<boolean | undefined> {
  return variable('`on` or `off`', options.shownDefault, options, (raw, name) => {
    if (raw === undefined) return undefined;
    const value = raw.toLowerCase();
    if (value === 'on' || value === 'true' || value === '1') return true;
    if (value === 'off' || value === 'false' || value === '0') return false;
    throw new EnvError(name, `expected on or off, got ${shown(raw)}.`);
  });
}

/** An http(s) origin (`https://app.example.com`), normalised without a trailing slash. */
export function origin(options: Described): Variable<string | undefined> {
  return optional('origin', options, (raw, name) => httpUrl(name, raw, { path: false, query: false }));
}

/** An http(s) origin, or an origin and the path a site mounts the bridge under (`https://app.example.com/tokenbridge`). */
export function mountUrl(options: Described): Variable<string | undefined> {
  return optional('origin, or origin and path', options, (raw, name) => publicUrl(name, raw));
}

/** An absolute http(s) URL; `query` allows a query string. */
export function url(options: Described & { query?: boolean }): Variable<string | undefined> {
  return optional('URL', options, (raw, name) => httpUrl(name, raw, { path: true, query: options.query ?? false }));
}

/** Comma-separated origins; unset is an empty list. */
export function origins(options: Described): Variable<string[]> {
  return variable('origins, comma-separated', '–', options, (raw, name) =>
    raw === undefined ? [] : originList(name, raw),
  );
}

/** Free text (a client id, a secret key) checked only by `pattern` when given. */
export function text(
  options: Described & { type?: string; pattern?: RegExp; expected?: string },
): Variable<string | undefined> {
  return optional(options.type ?? (options.secret ? 'secret' : 'text'), options, (raw, name) => {
    if (options.pattern && !options.pattern.test(raw)) {
      throw new EnvError(name, `expected ${options.expected ?? `a value matching ${options.pattern}`}.`);
    }
    return raw;
  });
}
