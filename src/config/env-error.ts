import { ConfigurationError } from '../core/errors.js';

/** An invalid or missing environment variable; `variable` names it, the message says what is expected. */
export class EnvError extends ConfigurationError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`, { variable });
  }
}

/** A value as an error message shows it: quoted and cut short. Never used for a secret variable. */
export function shown(raw: string): string {
  return JSON.stringify(raw.slice(0, 50));
}
