import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/core/single-flight.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('concurrent callers for one key share a single run and its result', async () => {
    const flights = new SingleFlight<string, number>();
    const gate = deferred<number>();
    let runs = 0;
    const work = () => {
      runs++;
      return gate.promise;
    };
    const calls = Array.from({ length: 50 }, () => flights.run('user_1', work));
    expect(flights.size).toBe(1);
    gate.resolve(42);
    expect(await Promise.all(calls)).toEqual(Array(50).fill(42));
    expect(runs).toBe(1);
  });

  it('different keys run independently', async () => {
    const flights = new SingleFlight<string, string>();
    const results = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')]);
    expect(results).toEqual(['A', 'B']);
  });

  it('a failure reaches every waiter, and the next call starts afresh', async () => {
    const flights = new SingleFlight<string, number>();
    const gate = deferred<number>();
    const first = flights.run('k', () => gate.promise);
    const second = flights.run('k', () => Promise.resolve(0));
    gate.reject(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    await expect(second).rejects.toThrow('boom');
    expect(flights.size).toBe(0);
    expect(await flights.run('k', async () => 7)).toBe(7);
  });

  it('a synchronous throw in the work is a rejection, not a crash', async () => {
    const flights = new SingleFlight<string, number>();
    await expect(
      flights.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(flights.size).toBe(0);
  });
});
