import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type EnvConfig, EnvError, resolveServiceConfig } from '../../config/env.js';
import { defaultRedirectUri, resolvePublicUrl } from '../../config/public-url.js';
import { Keyring } from '../../core/keyring.js';
import { SANDBOX_BRIDGE_CLIENT } from '../sandbox.js';
import { sandboxKeyring } from '../sandbox-key.js';
import { type CheckResult, fail, skip } from './check.js';
import { checkClerk } from './clerk-check.js';
import { checkDatabase } from './database-check.js';
import { checkGoogleClient } from './google-check.js';
import { checkKeyring } from './keyring-check.js';
import { checkPublicUrl } from './public-url-check.js';

export interface DoctorOptions {
  /** Parses the environment; an EnvError becomes the first failed check. */
  loadEnv: () => EnvConfig;
  /** Where the sandbox keeps its key. Default `./data`. */
  dataDir?: string;
  /** PostgreSQL schema (tests share one database). */
  schema?: string;
}

/**
 * Checks the whole setup and returns the checklist, in the order an operator fixes things: configuration, keys,
 * database, Clerk, Google, URLs. Never throws for a bad setup; every problem is a failed check with its fix.
 */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  let env: EnvConfig;
  try {
    env = options.loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    return [
      fail(
        'Configuration',
        error.message,
        `Fix ${error.variable} (see README.md → Configuration) and run doctor again.`,
      ),
    ];
  }
  const production = env.mode === 'production';
  const dataDir = options.dataDir ?? env.sandbox.dataDir;
  const results: CheckResult[] = [];

  let keySpec = env.encryptionKeys;
  if (!production && keySpec === undefined && existsSync(join(dataDir, 'sandbox-encryption-keys'))) {
    keySpec = sandboxKeyring(dataDir).spec;
  }
  if (!production && keySpec === undefined) {
    results.push(skip('Encryption keys', 'Sandbox mode: a key is generated into ./data on the first start.'));
  } else {
    results.push(checkKeyring(keySpec, env.encryptionKeys === undefined ? 'sandbox' : 'env'));
  }
  let keyring: Keyring | undefined;
  try {
    keyring = keySpec === undefined ? undefined : Keyring.parse(keySpec);
  } catch {
    keyring = undefined;
  }

  results.push(...(await checkDatabase(env.databaseUrl, keyring, options.schema ? { schema: options.schema } : {})));

  if (!production) {
    results.push(
      skip('Clerk', 'Sandbox mode: the Clerk emulator supplies its own keys at start.'),
      skip('Google OAuth client', 'Sandbox mode: the Google emulator registers the bridge’s client at start.'),
    );
    const config = resolveServiceConfig(env, {
      port: env.port,
      credentials: {
        clerk: { ...env.clerk, secretKey: 'sk_test_sandbox' },
        google: {
          ...SANDBOX_BRIDGE_CLIENT,
          redirectUri: env.google.redirectUri ?? defaultRedirectUri(resolvePublicUrl(env.publicUrl, env.port)),
          baseUrl: undefined,
        },
        encryptionKeys: keySpec ?? Keyring.generate('doctor'),
      },
    });
    results.push(...checkPublicUrl(config, { production: false, publicUrlSet: env.publicUrl !== undefined }));
    return results;
  }

  const config = resolveServiceConfig(env, { port: env.port });
  results.push(...(await checkClerk(config.clerk)));
  results.push(await checkGoogleClient(config.google));
  results.push(...checkPublicUrl(config, { production: true, publicUrlSet: env.publicUrl !== undefined }));
  return results;
}
