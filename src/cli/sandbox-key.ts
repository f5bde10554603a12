import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyring } from '../core/keyring.js';

const FILE = 'sandbox-encryption-keys';

/**
 * The sandbox's encryption keyring: generated once and kept in `dataDir` (the file 0600, a folder it creates 0700) so a restarted sandbox can
 * still decrypt what it stored. Never used outside the sandbox: production refuses to start without
 * TOKENBRIDGE_ENCRYPTION_KEYS.
 */
export function sandboxKeyring(dataDir: string): { spec: string; path: string; created: boolean } {
  const path = join(dataDir, FILE);
  if (existsSync(path)) {
    // A copy restored or unpacked with looser permissions is tightened before its key is used.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    const spec = readFileSync(path, 'utf8').trim();
    Keyring.parse(spec);
    return { spec, path, created: false };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const spec = Keyring.generate('sandbox');
  writeFileSync(path, `${spec}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { spec, path, created: true };
}
