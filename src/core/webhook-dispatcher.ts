import { randomBytes } from 'node:crypto';
import { type Logger, pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { type Clock, systemClock } from '../clock.js';
import { ConfigurationError } from './errors.js';
import type { AttemptOutcome, OutboxMessage, OutboxStore, WebhookOutbox } from './ports.js';
import type { BridgeEvent, TokenBridge } from './types.js';
import { newWebhookId, webhookPayload } from './webhook-payload.js';

/** Waits before each retry: 8 attempts in all over about 4 hours, as Standard Webhooks senders commonly do. */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  30_000,
  2 * 60_000,
  10 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 60 * 60_000,
];

export interface WebhookDispatcherOptions {
  /** The store whose outbox holds the events (`openStore`'s store). */
  store: OutboxStore;
  /** The app's endpoint (http or https). */
  url: string;
  /** The Standard Webhooks signing secret, `whsec_<base64>`. */
  secret: string;
  clock?: Clock;
  logger?: Logger;
  /** Replaced in tests; default the global `fetch`. */
  fetch?: typeof fetch;
  /** Source of jitter in [0, 1). */
  random?: () => number;
  /** How long one attempt may take before it counts as failed. Default 10 s. */
  timeoutMs?: number;
  /** The wait before each retry; attempts in all are one more than its length. */
  retryDelaysMs?: readonly number[];
  /** How often the production timer looks for due rows. Default 1 s. */
  pollIntervalMs?: number;
  /** Delivered and failed rows are deleted this long after the event. Default 7 days. */
  retentionMs?: number;
}

/** What one attempt came to, for metrics and tests. */
export interface WebhookDelivery {
  id: string;
  type: string;
  outcome: 'delivered' | 'retrying' | 'failed';
  /** The endpoint's HTTP status; null when nothing answered (timeout, refused connection). */
  status: number | null;
  attempt: number;
}

const BATCH_SIZE = 20;
const MAX_BATCHES_PER_RUN = 50;
const PURGE_EVERY_MS = 60 * 60_000;

/**
 * Delivers the bridge's connection events to the app's endpoint, signed per Standard Webhooks. Each event is written
 * to the store's outbox by the instance that made the change, in the change's own transaction (a bridge created with
 * `outbox: true`, which the dispatcher follows), then sent with the same `webhook-id`
 * until the endpoint answers 2xx (retries back off with jitter; after the last attempt the row is marked failed and
 * logged). Instances sharing a PostgreSQL database each claim different rows, so every event is delivered by one.
 *
 * @example
 * const webhooks = new WebhookDispatcher({ store, url: 'https://app.example.com/hooks', secret: 'whsec_…' });
 * const bridge = createTokenBridge({ ...options, store, outbox: true });
 * webhooks.follow(bridge);
 * webhooks.start();
 */
export class WebhookDispatcher {
  readonly #outbox: WebhookOutbox;
  readonly #url: string;
  readonly #signer: Webhook;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;
  readonly #random: () => number;
  readonly #timeoutMs: number;
  readonly #delays: readonly number[];
  readonly #pollIntervalMs: number;
  readonly #retentionMs: number;
  /** Names this instance's leases. */
  readonly #owner = `i_${randomBytes(8).toString('hex')}`;
  readonly #recording = new Set<Promise<void>>();
  readonly #listeners = new Set<(delivery: WebhookDelivery) => void>();
  readonly #detach: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<WebhookDelivery[]> | undefined;
  /** An event was recorded during a pass: run another one right after it. */
  #again = false;
  #lastPurge = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: WebhookDispatcherOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new ConfigurationError('The webhook URL is not a valid URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigurationError('The webhook URL must be http(s).');
    }
    if (typeof options.secret !== 'string' || !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(options.secret)) {
      throw new ConfigurationError('The webhook secret must have the form whsec_<base64>.');
    }
    this.#signer = new Webhook(options.secret);
    this.#outbox = options.store.outbox;
    this.#url = url.toString();
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? pino({ level: 'silent' });
    this.#fetch = options.fetch ?? fetch;
    this.#random = options.random ?? Math.random;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#delays = options.retryDelaysMs ?? DEFAULT_WEBHOOK_RETRY_DELAYS_MS;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.#retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
  }

  /**
   * Records the bridge's connection events in the outbox from now on, as they are heard; returns the function that
   * stops it. A crash between a change and its recording loses the event: prefer a bridge created with
   * `outbox: true`, which writes each event with its change, and {@link follow} it.
   */
  attach(bridge: Pick<TokenBridge, 'on'>): () => void {
    const off = bridge.on((event) => this.#record(event));
    this.#detach.push(off);
    return off;
  }

  /**
   * For a bridge that writes its events to the outbox itself (`outbox: true`): sends each new one at once rather
   * than at the next poll. Records nothing. Returns the function that stops it.
   */
  follow(bridge: Pick<TokenBridge, 'on'>): () => void {
    const off = bridge.on((event) => {
      if (this.#timer && webhookPayload(event, 0) !== null) this.#kick();
    });
    this.#detach.push(off);
    return off;
  }

  /** Hears the outcome of every attempt this instance makes (metrics). */
  onDelivery(listener: (delivery: WebhookDelivery) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Polls for due rows on a timer and sends new events at once. */
  start(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.#kick(), this.#pollIntervalMs);
    this.#timer.unref();
  }

  /**
   * Sends every row due now (by the injected clock), after the events recorded so far are written; resolves with
   * what each attempt came to. Tests call it instead of waiting for the timer.
   */
  async deliverDue(): Promise<WebhookDelivery[]> {
    await Promise.all(this.#recording);
    const deliveries: WebhookDelivery[] = [];
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !this.#closed; batch++) {
      const due = await this.#outbox.claimDue({
        owner: this.#owner,
        now: this.#clock.now(),
        // A crashed instance's rows come back once the lease runs out: well after any attempt could still finish.
        leaseMs: this.#timeoutMs + 30_000,
        limit: BATCH_SIZE,
      });
      deliveries.push(...(await Promise.all(due.map((message) => this.#attempt(message)))));
      if (due.length < BATCH_SIZE) break;
    }
    await this.#purge();
    return deliveries;
  }

  /** Stops the timer and detaches; waits for events being written and attempts in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#detach.splice(0)) off();
    await Promise.all(this.#recording);
    await this.#running?.catch(() => {});
  }

  #record(event: BridgeEvent): void {
    const at = this.#clock.now();
    const payload = webhookPayload(event, at);
    if (payload === null) return;
    const id = newWebhookId();
    const write = this.#outbox
      .enqueue({ id, type: payload.type, userId: payload.data.userId, payload: JSON.stringify(payload), createdAt: at })
      .catch((error: unknown) => {
        this.#logger.error({ webhookId: id, type: payload.type, err: errorName(error) }, 'webhook event not recorded');
      })
      .finally(() => {
        this.#recording.delete(write);
      });
    this.#recording.add(write);
    if (this.#timer) void write.then(() => this.#kick());
  }

  /** Runs a delivery pass unless one is running (the timer and new events both call it). */
  #kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#running = this.deliverDue()
      .catch((error: unknown) => {
        this.#logger.warn({ err: errorName(error) }, 'webhook delivery pass failed');
        return [];
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#again) this.#kick();
      });
  }

  async #attempt(message: OutboxMessage): Promise<WebhookDelivery> {
    const sentAt = this.#clock.now();
    let status: number | null = null;
    let error = '';
    try {
      const response = await this.#fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tokenbridge-webhooks',
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(sentAt / 1000)),
          'webhook-signature': this.#signer.sign(message.id, new Date(sentAt), message.payload),
        },
        body: message.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => {});
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (cause) {
      error = errorName(cause);
    }
    const delivered = error === '';
    const retryDelay = this.#delays[message.attempts - 1];
    const outcome: AttemptOutcome = delivered
      ? { delivered: true, at: this.#clock.now(), status: status ?? 200 }
      : { delivered: false, retryAt: retryDelay === undefined ? null : this.#retryAt(retryDelay), status, error };
    const report: WebhookDelivery = {
      id: message.id,
      type: message.type,
      outcome: delivered ? 'delivered' : retryDelay === undefined ? 'failed' : 'retrying',
      status,
      attempt: message.attempts,
    };
    try {
      await this.#outbox.settle(message.id, this.#owner, outcome);
    } catch (cause) {
      // The lease runs out and the row is tried again: at least once, with the same id.
      this.#logger.warn({ webhookId: message.id, err: errorName(cause) }, 'webhook outcome not recorded');
    }
    this.#report(report, error);
    return report;
  }

  #retryAt(delayMs: number): number {
    // ±20 % jitter spreads the retries of events that failed together.
    return this.#clock.now() + Math.round(delayMs * (0.8 + 0.4 * this.#random()));
  }

  #report(delivery: WebhookDelivery, error: string): void {
    const fields = { webhookId: delivery.id, type: delivery.type, attempt: delivery.attempt, status: delivery.status };
    if (delivery.outcome === 'failed') {
      this.#logger.error({ ...fields, error }, 'webhook delivery failed for good; the event is marked failed');
    } else if (delivery.outcome === 'retrying') {
      this.#logger.warn({ ...fields, error }, 'webhook delivery failed; it will be retried');
    } else {
      this.#logger.debug(fields, 'webhook delivered');
    }
    for (const listener of this.#listeners) {
      try {
        listener(delivery);
      } catch {
        // A listener (metrics) never affects delivery.
      }
    }
  }

  async #purge(): Promise<void> {
    const now = this.#clock.now();
    if (now - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now;
    await this.#outbox.purgeSettled(now - this.#retentionMs);
  }
}

/** A short, secret-free description of a failure: never the URL, a body or a header. */
function errorName(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
    return error.name;
  }
  return 'error';
}
