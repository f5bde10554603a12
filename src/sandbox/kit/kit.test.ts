import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AdjustableClock, ManualClock, systemClock } from './clock.js';
import { CallCounters, countCalls } from './counters.js';
import { FaultInjector, installFaults } from './faults.js';
import { listen } from './listen.js';

async function app(faults: FaultInjector, counters = new CallCounters()) {
  const server = Fastify();
  countCalls(server, counters, ['/control']);
  installFaults(server, faults, ['/control']);
  server.get('/items/:id', async () => ({ ok: true }));
  server.post('/items/:id', async () => ({ ok: true }));
  server.get('/control/state', async () => ({ ok: true }));
  return listen(server);
}

describe('the sandbox kit', () => {
  it('injects a status fault for the next N matching calls only, by exact path, prefix and method', async () => {
    const faults = new FaultInjector({ defaultBody: (status) => ({ failed: status }) });
    const server = await app(faults);
    try {
      faults.inject({ endpoint: '/items/1', status: 503, times: 2, retryAfterSeconds: 7 });
      faults.inject({ endpoint: '/items/*', method: 'POST', status: 429, body: { slow: 'down' } });
      const first = await fetch(`${server.url}/items/1`);
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('7');
      expect(await first.json()).toEqual({ failed: 503 });
      expect((await fetch(`${server.url}/items/2`)).status).toBe(200);
      expect((await fetch(`${server.url}/items/1`)).status).toBe(503);
      expect((await fetch(`${server.url}/items/1`)).status).toBe(200);
      const posted = await fetch(`${server.url}/items/9`, { method: 'POST' });
      expect(posted.status).toBe(429);
      expect(await posted.json()).toEqual({ slow: 'down' });
      expect(faults.list()).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('drops the connection for a reset fault and never faults exempt paths', async () => {
    const faults = new FaultInjector();
    const server = await app(faults);
    try {
      faults.inject({ reset: true, times: 2 });
      expect((await fetch(`${server.url}/control/state`)).status).toBe(200);
      await expect(fetch(`${server.url}/items/1`)).rejects.toThrow();
      faults.clear();
      expect((await fetch(`${server.url}/items/1`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('applies a probability fault whenever the random roll is below it, until cleared, and counts each time', async () => {
    const rolls = [0.2, 0.8, 0.1];
    const faults = new FaultInjector({ random: () => rolls.shift() ?? 1 });
    const server = await app(faults);
    try {
      const id = faults.inject({ status: 500, probability: 0.5 });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/items/1`)).status);
      expect(statuses).toEqual([500, 200, 500, 200]);
      expect(faults.list()).toMatchObject([{ id, fired: 2 }]);
      faults.clear();
      expect((await fetch(`${server.url}/items/1`)).status).toBe(200);
      expect(faults.fired(id)).toBe(2);
      faults.reset();
      expect(faults.fired(id)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('rejects an invalid fault spec', () => {
    expect(() => new FaultInjector().inject({ status: 42 })).toThrow();
    expect(() => new FaultInjector().inject({ probability: 2 })).toThrow();
  });

  it('counts calls per route pattern, faulted ones included, control paths excluded', async () => {
    const faults = new FaultInjector();
    const counters = new CallCounters();
    const server = await app(faults, counters);
    try {
      faults.inject({ endpoint: '/items/3', status: 500 });
      await fetch(`${server.url}/items/3`);
      await fetch(`${server.url}/items/4`);
      await fetch(`${server.url}/control/state`);
      await fetch(`${server.url}/unknown`);
      expect(counters.snapshot()).toEqual({ '/items/:id': 2 });
      counters.reset();
      expect(counters.snapshot()).toEqual({});
    } finally {
      await server.close();
    }
  });

  it('listens on 127.0.0.1 and a free port by default, and close() can be called twice', async () => {
    const server = await listen(Fastify());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    await server.close();
    await server.close();
  });

  it('moves a manual base clock itself, and keeps an offset over the system clock', () => {
    const manual = new ManualClock(1_000);
    const adjustable = new AdjustableClock(manual);
    adjustable.advance(500);
    expect(manual.now()).toBe(1_500);
    expect(adjustable.now()).toBe(1_500);

    const overSystem = new AdjustableClock(systemClock);
    overSystem.advance(3_600_000);
    expect(overSystem.now() - Date.now()).toBeGreaterThan(3_590_000);
    overSystem.resetOffset();
    expect(overSystem.now() - Date.now()).toBeLessThan(10_000);
  });
});
