import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { handleOnce } from '../../src/core/inbound-events.js';
import { openStore, type Store } from '../../src/storage/index.js';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:', { clock: new ManualClock() });
  await store.migrate();
});
afterEach(async () => {
  await store.close();
});

describe('handling an inbound event once (Clerk webhooks and Google RISC alike)', () => {
  it('a redelivery of a handled event is a duplicate and does not run the handler again', async () => {
    let runs = 0;
    const handler = async () => ++runs;
    expect(await handleOnce(store, 'clerk', 'msg_1', handler)).toEqual({ duplicate: false, value: 1 });
    expect(await handleOnce(store, 'clerk', 'msg_1', handler)).toEqual({ duplicate: true });
    expect(runs).toBe(1);
  });

  it('the same id from the other source is another event', async () => {
    await handleOnce(store, 'clerk', 'evt_1', async () => 'clerk');
    expect(await handleOnce(store, 'google_risc', 'evt_1', async () => 'risc')).toEqual({
      duplicate: false,
      value: 'risc',
    });
  });

  it('a handler that fails leaves the event unrecorded, so the sender’s redelivery is handled', async () => {
    await expect(
      handleOnce(store, 'google_risc', 'jti_1', async () => {
        throw new Error('the database went away mid-way');
      }),
    ).rejects.toThrow('mid-way');
    expect(await handleOnce(store, 'google_risc', 'jti_1', async () => 'applied')).toEqual({
      duplicate: false,
      value: 'applied',
    });
  });

  it.each([
    ['an unknown source', 'stripe', 'msg_1'],
    ['an empty id', 'clerk', ''],
    ['an id over 256 characters', 'clerk', 'x'.repeat(257)],
  ])('%s is refused as invalid_request before anything runs', async (_case, source, id) => {
    let ran = false;
    await expect(
      handleOnce(store, source as 'clerk', id, async () => {
        ran = true;
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    expect(ran).toBe(false);
  });
});
