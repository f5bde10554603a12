import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../core/keyring.js';
import { parseEnv } from './env.js';
import { EnvError } from './env-error.js';
import { withConfigurationTable } from './readme-table.js';
import type { Variable } from './variable.js';
import { VARIABLES } from './variables.js';

const README = new URL('../../README.md', import.meta.url);
const PRODUCTION = {
  CLERK_SECRET_KEY: 'sk_test_abc',
  GOOGLE_CLIENT_ID: 'client.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'GOCSPX-secret',
  TOKENBRIDGE_ENCRYPTION_KEYS: Keyring.generate('k1'),
};

describe('the variables table', () => {
  it("is the README's configuration table (npm run docs:config regenerates it)", () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toBe(withConfigurationTable(readme));
  });

  it('gives every variable a type, a default and a meaning', () => {
    for (const [name, variable] of Object.entries(VARIABLES) as Array<[string, Variable<unknown>]>) {
      expect(variable.type, name).not.toBe('');
      expect(variable.default, name).not.toBe('');
      expect(variable.description, name).not.toBe('');
    }
  });

  it.each(
    (Object.entries(VARIABLES) as Array<[string, Variable<unknown>]>)
      .filter(([, variable]) => variable.secret)
      .map(([name]) => name),
  )('a malformed %s is refused by name without echoing its value', (name) => {
    const value = 'whsec_ not-a-valid-secret-value-0123456789';
    let error: unknown;
    try {
      parseEnv({ ...PRODUCTION, [name]: value });
    } catch (caught) {
      error = caught;
    }
    // Free-form secrets (Clerk's secret key, Google's client secret) take anything; the rest refuse this value.
    if (error === undefined) return;
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).variable).toBe(name);
    expect((error as Error).message).not.toContain('not-a-valid-secret-value');
  });
});
