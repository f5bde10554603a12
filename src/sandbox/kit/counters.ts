import type { FastifyInstance } from 'fastify';

/** Counts calls per endpoint (the route pattern, such as `/token` or `/drive/v3/files/:fileId`). */
export class CallCounters {
  private calls = new Map<string, number>();

  /** Records one call to `endpoint`. */
  hit(endpoint: string): void {
    this.calls.set(endpoint, (this.calls.get(endpoint) ?? 0) + 1);
  }

  /** A plain-object copy, safe to serialize. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.calls.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.calls.clear();
  }
}

/**
 * Counts every routed call on `app` (including calls a fault then fails), except paths under `ignorePrefixes`.
 * Call it before registering routes so the hook covers them all.
 */
export function countCalls(app: FastifyInstance, counters: CallCounters, ignorePrefixes: string[] = []): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined || ignorePrefixes.some((prefix) => route.startsWith(prefix))) return;
    counters.hit(route);
  });
}
