import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '../core/keyring.js';

const FILE = 'sandbox-encryption-keys';

/**
 * The sandbox's encryption keyring: generated once and kept in `dataDir` (mode 0600) so a restarted sandbox can
 * still decrypt what it stored. Never used outside the sandbox: production refuses to start without
 * TOKENBRIDGE_ENCRYPTION_KEYS.
 */
export function sandboxKeyring(dataDir: string): { spec: string; path: string; created: boolean } {
  const path = join(dataDir, FILE);
  if (existsSync(path)) {
    const spec = readFileSync(path, 'utf8').trim();
    Keyring.parse(spec);
    return { spec, path, created: false };
  }
  mkdirSync(dataDir, { recursive: true });
  const spec = Keyring.generate('sandbox');
  writeFileSync(path, `${spec}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { spec, path, created: true };
}
