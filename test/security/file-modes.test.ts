import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sandboxKeyring } from '../../src/cli/sandbox-key.js';
import { StateFile } from '../../src/sandbox/kit/state-file.js';
import { openStore } from '../../src/storage/index.js';

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

let dir: string;
let umask: number;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-modes-'));
  // The common default, under which files are world-readable unless created otherwise.
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

describe('files that hold secrets are readable by their owner only', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function openAndWrite(file: string): Promise<void> {
    const store = await openStore(file);
    close = () => store.close();
    await store.migrate();
    await store.appendAudit({ userId: 'user_1', action: 'connection.created', actor: 'user', detail: {} });
  }

  it('the SQLite database, its WAL and its shared memory are created 0600', async () => {
    const file = join(dir, 'new', 'tokenbridge.db');
    await openAndWrite(file);
    expect(mode(file)).toBe('600');
    expect(mode(`${file}-wal`)).toBe('600');
    expect(mode(`${file}-shm`)).toBe('600');
    expect(mode(join(dir, 'new'))).toBe('700');
  });

  it('an existing database (and its journals) left readable by others is tightened to 0600 when opened', async () => {
    const file = join(dir, 'old.db');
    await openAndWrite(file);
    await close?.();
    close = undefined;
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o644);
    await openAndWrite(file);
    expect(mode(file)).toBe('600');
    expect(mode(`${file}-wal`)).toBe('600');
    expect(mode(`${file}-shm`)).toBe('600');
  });

  it('the sandbox key file is created 0600, in a folder of the owner’s only', () => {
    const { path, created } = sandboxKeyring(join(dir, 'sandbox-data'));
    expect(created).toBe(true);
    expect(mode(path)).toBe('600');
    expect(mode(join(dir, 'sandbox-data'))).toBe('700');
  });

  it("an emulator's state file (it holds signing keys and secrets) is written 0600, in a folder of the owner's only", () => {
    const path = join(dir, 'emulator-state', 'sandbox-clerk.json');
    new StateFile({ path, snapshot: () => ({ secretKey: 'sk_test_x' }) }).flush();
    expect(mode(path)).toBe('600');
    expect(mode(join(dir, 'emulator-state'))).toBe('700');
  });

  it('an existing state file left readable by others is tightened to 0600 when read', () => {
    const path = join(dir, 'restored-state.json');
    writeFileSync(path, '{"version":1}', { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(new StateFile({ path, snapshot: () => ({}) }).read()).toEqual({ version: 1 });
    expect(mode(path)).toBe('600');
  });

  it('an existing sandbox key file left readable by others is tightened to 0600 before use', () => {
    const { path, spec } = sandboxKeyring(join(dir, 'restored'));
    chmodSync(path, 0o644);
    const again = sandboxKeyring(join(dir, 'restored'));
    expect(again).toMatchObject({ created: false, spec });
    expect(mode(path)).toBe('600');
  });
});
