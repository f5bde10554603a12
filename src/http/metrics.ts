import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BridgeEvent, ConnectionStatus, TokenBridge } from '../core/types.js';
import type { ConnectionStats } from '../storage/maintenance.js';
import { requireScraper } from './caller.js';

export interface BridgeMetricsOptions {
  bridge: TokenBridge;
  /** Connection counts, read on every scrape (one grouped query). */
  connectionStats?: () => Promise<ConnectionStats>;
  /** Process metrics (CPU, memory, event-loop lag) under `tokenbridge_process_…`. Default true. */
  processMetrics?: boolean;
  /** Subscribes to outbound webhook attempts (`WebhookDispatcher.onDelivery`); returns the unsubscribe function. */
  webhookDeliveries?: (listener: (delivery: { outcome: 'delivered' | 'retrying' | 'failed' }) => void) => () => void;
}

const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reconnect'];
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The bridge's Prometheus metrics, in a registry of their own (never prom-client's global one, so two bridges in a
 * process, or a host app's metrics, never collide). Fed by the bridge's events; connection counts are read from
 * the store when scraped. Every label takes a bounded set of values: no user ids, scopes or tokens.
 *
 * @example
 * const metrics = new BridgeMetrics({ bridge });
 * const text = await metrics.registry.metrics();
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly #unsubscribe: () => void;
  readonly #unsubscribeWebhooks: (() => void) | undefined;
  readonly #tokenRequests: Counter<'outcome' | 'source'>;
  readonly #cacheHits: Counter;
  readonly #cacheMisses: Counter;
  readonly #refreshes: Counter<'source' | 'outcome'>;
  readonly #refreshLatency: Histogram<'source'>;
  readonly #upstreamErrors: Counter<'service' | 'status'>;
  readonly #lockWait: Histogram;
  /**
   * Token requests since the last scrape, by outcome and source, and the hits and misses among them: counted in plain
   * numbers on the hot path (a labelled `inc` hashes its labels each time) and added to the counters when scraped.
   */
  readonly #unscrapedRequests = new Map<string, Map<string, number>>();
  #unscrapedHits = 0;
  #unscrapedMisses = 0;

  constructor(options: BridgeMetricsOptions) {
    const registers = [this.registry];
    this.#tokenRequests = new Counter({
      name: 'tokenbridge_token_requests_total',
      help: 'Access token requests by outcome (ok or the error code) and source (oauth, clerk, none).',
      labelNames: ['outcome', 'source'],
      registers,
      collect: () => this.#addUnscraped(),
    });
    this.#cacheHits = new Counter({
      name: 'tokenbridge_token_cache_hits_total',
      help: 'Token requests served from a held token, without waiting for Google or Clerk.',
      registers,
      collect: () => this.#addUnscraped(),
    });
    this.#cacheMisses = new Counter({
      name: 'tokenbridge_token_cache_misses_total',
      help: 'Token requests that waited for Google (a refresh) or Clerk (a fetch).',
      registers,
      collect: () => this.#addUnscraped(),
    });
    this.#refreshes = new Counter({
      name: 'tokenbridge_refresh_attempts_total',
      help: 'Refreshes (Google refresh grants; Clerk token fetches) by source and outcome (success, invalid_grant, transient, error).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.#refreshLatency = new Histogram({
      name: 'tokenbridge_refresh_duration_seconds',
      help: 'Time a successful refresh took, retries included.',
      labelNames: ['source'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#upstreamErrors = new Counter({
      name: 'tokenbridge_upstream_errors_total',
      help: 'Failed token calls to Google or Clerk (after retries) by service and HTTP status (none: no answer).',
      labelNames: ['service', 'status'],
      registers,
    });
    this.#lockWait = new Histogram({
      name: 'tokenbridge_refresh_lock_wait_seconds',
      help: "Time spent waiting for the per-user refresh lock, or for another instance's refresh to land (PostgreSQL).",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 45],
      registers,
    });
    const stats = options.connectionStats;
    new Gauge({
      name: 'tokenbridge_connections',
      help: 'Stored Google connections by status, read from the database when scraped.',
      labelNames: ['status'],
      registers,
      async collect() {
        if (!stats) return;
        // A database outage must not fail the scrape: the other metrics are what tells the operator about it.
        const counts = await stats().catch(() => undefined);
        if (!counts) return;
        for (const status of STATUSES) this.set({ status }, counts.byStatus[status] ?? 0);
      },
    });
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'tokenbridge_' });
    // Zero series up front, so dashboards and rate() see them before the first event.
    for (const outcome of ['ok', 'not_connected', 'scopes_missing', 'reconnect_required', 'upstream_unavailable']) {
      this.#tokenRequests.inc({ outcome, source: outcome === 'ok' ? 'oauth' : 'none' }, 0);
    }
    this.#unsubscribe = options.bridge.on((event) => this.#record(event));
    if (options.webhookDeliveries) {
      const deliveries = new Counter({
        name: 'tokenbridge_webhook_deliveries_total',
        help: 'Outbound event delivery attempts by outcome (delivered, retrying, failed: attempts exhausted).',
        labelNames: ['outcome'],
        registers,
      });
      for (const outcome of ['delivered', 'retrying', 'failed']) deliveries.inc({ outcome }, 0);
      this.#unsubscribeWebhooks = options.webhookDeliveries((delivery) =>
        deliveries.inc({ outcome: delivery.outcome }),
      );
    }
  }

  /** Adds the token requests counted since the last scrape to their counters (each counter's `collect` calls it). */
  #addUnscraped(): void {
    for (const [outcome, bySource] of this.#unscrapedRequests) {
      for (const [source, count] of bySource) if (count > 0) this.#tokenRequests.inc({ outcome, source }, count);
    }
    this.#unscrapedRequests.clear();
    if (this.#unscrapedHits > 0) this.#cacheHits.inc(this.#unscrapedHits);
    if (this.#unscrapedMisses > 0) this.#cacheMisses.inc(this.#unscrapedMisses);
    this.#unscrapedHits = 0;
    this.#unscrapedMisses = 0;
  }

  /** Stops listening to the bridge. */
  close(): void {
    this.#unsubscribe();
    this.#unsubscribeWebhooks?.();
  }

  #record(event: BridgeEvent): void {
    switch (event.type) {
      case 'token.requested': {
        const source = event.source ?? 'none';
        let bySource = this.#unscrapedRequests.get(event.outcome);
        if (bySource === undefined) {
          bySource = new Map();
          this.#unscrapedRequests.set(event.outcome, bySource);
        }
        bySource.set(source, (bySource.get(source) ?? 0) + 1);
        if (event.upstream) this.#unscrapedMisses++;
        else if (event.outcome === 'ok') this.#unscrapedHits++;
        return;
      }
      case 'token.refreshed':
        this.#refreshes.inc({ source: event.source, outcome: 'success' });
        this.#refreshLatency.observe({ source: event.source }, Math.max(0, event.durationMs) / 1000);
        return;
      case 'token.refresh_failed':
        this.#refreshes.inc({
          source: event.source ?? 'oauth',
          outcome: event.code === 'invalid_grant' ? 'invalid_grant' : event.transient ? 'transient' : 'error',
        });
        return;
      case 'upstream.failed':
        this.#upstreamErrors.inc({
          service: event.service,
          status: event.status === null ? 'none' : String(event.status),
        });
        return;
      case 'refresh.lock_acquired':
      case 'refresh.joined':
        this.#lockWait.observe(Math.max(0, event.waitMs) / 1000);
        return;
      default:
        return;
    }
  }
}

/**
 * `GET /metrics` in Prometheus text format, on the bridge's own port. Open by default (labels carry no user data);
 * when `token` is set (TOKENBRIDGE_METRICS_TOKEN), scrapers must send `Authorization: Bearer <token>`.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  options: { metrics: BridgeMetrics; token: string | undefined },
): Promise<void> {
  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      // Open metrics take no credential: nothing to guess, nothing to limit.
      config: options.token === undefined ? {} : { credential: 'metrics', limitGroup: 'metrics' },
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        response: { 200: { type: 'string' } },
      },
    },
    async (request, reply) => {
      if (options.token !== undefined) requireScraper(request);
      const body = await options.metrics.registry.metrics();
      return reply.header('cache-control', 'no-store').type(options.metrics.registry.contentType).send(body);
    },
  );
}
