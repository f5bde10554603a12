import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StateFile, StateFileError } from './state-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'state-file-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('an emulator state file', () => {
  it('reads nothing before the first write, then what was written', () => {
    const path = join(dir, 'deep', 'state.json');
    let state = { users: ['ada'] };
    const file = new StateFile({ path, snapshot: () => state });
    expect(file.read()).toBeUndefined();
    file.flush();
    state = { users: ['ada', 'grace'] };
    file.flush();
    expect(new StateFile({ path, snapshot: () => ({}) }).read()).toEqual({ users: ['ada', 'grace'] });
    // Written through a temporary file renamed over the old one: nothing else is left in the folder.
    expect(readdirSync(join(dir, 'deep'))).toEqual(['state.json']);
  });

  it('gathers changes and writes them once the debounce passes, and only when the state differs', () => {
    vi.useFakeTimers();
    const path = join(dir, 'state.json');
    const state = { count: 0 };
    const file = new StateFile({ path, snapshot: () => state, debounceMs: 100 });
    state.count = 1;
    file.changed();
    state.count = 2;
    file.changed();
    expect(existsSync(path)).toBe(false);
    vi.advanceTimersByTime(100);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ count: 2 });
    // Same state: the file is not written again (an outside edit stays, which proves it).
    writeFileSync(path, '{"edited":true}\n');
    file.changed();
    vi.advanceTimersByTime(100);
    expect(readFileSync(path, 'utf8')).toBe('{"edited":true}\n');
  });

  it('reports a write that fails in the background instead of crashing the process', () => {
    vi.useFakeTimers();
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const errors: unknown[] = [];
    const file = new StateFile({
      path: join(blocker, 'state.json'),
      snapshot: () => ({ a: 1 }),
      onError: (e) => errors.push(e),
    });
    file.changed();
    vi.advanceTimersByTime(100);
    expect(errors).toHaveLength(1);
  });

  it('refuses a file that is not JSON, naming it', () => {
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"half":');
    const file = new StateFile({ path, snapshot: () => ({}) });
    expect(() => file.read()).toThrow(StateFileError);
    expect(() => file.read()).toThrow(path);
  });
});
