import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../kit/clock.js';
import { newId } from './ids.js';

/** The events the emulator sends. */
export type ClerkEventType =
  | 'user.created'
  | 'user.updated'
  | 'user.deleted'
  | 'session.created'
  | 'session.ended'
  | 'session.removed'
  | 'session.revoked';

/** Where and how deliveries go. */
export interface WebhookEndpoint {
  url: string;
  /** `whsec_<base64>`. */
  secret: string;
}

/** One attempt to deliver a message. */
export interface DeliveryAttempt {
  at: number;
  /** The HTTP status, or 0 when the request failed before an answer. */
  status: number;
}

/** A message and its delivery history. `svixId` stays the same across retries. */
export interface WebhookDelivery {
  svixId: string;
  type: ClerkEventType;
  payload: string;
  attempts: DeliveryAttempt[];
  /** `cancelled`: its endpoint was removed or replaced before it was delivered, as when a Svix endpoint is deleted. */
  state: 'pending' | 'delivered' | 'failed' | 'cancelled';
  /** When the next attempt is due (ms since the epoch), while pending. */
  nextAttemptAt?: number;
}

/**
 * Svix's retry schedule after a failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then the message fails.
 * Exported so tests and docs can name the figures.
 */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/** A function, not an inline test, so the type checker does not assume the state stayed as it was across an await. */
const cancelled = (delivery: WebhookDelivery): boolean => delivery.state === 'cancelled';

/** A fresh signing secret in Svix's format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * Signs and delivers events per Standard Webhooks (the svix-* headers), retrying non-2xx answers with backoff.
 * Retries are due on the injected clock: in real time a timer runs {@link deliverDue}; a test advances its clock
 * and calls `deliverDue()` itself, so no test ever waits for a backoff.
 */
export class WebhookDispatcher {
  private readonly log: WebhookDelivery[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly inFlight = new Set<WebhookDelivery>();
  private timer: NodeJS.Timeout | undefined;
  private firstAttempts: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private endpoint: WebhookEndpoint | undefined,
    private readonly instanceId: string,
  ) {}

  /** The endpoint deliveries go to, if any. */
  current(): WebhookEndpoint | undefined {
    return this.endpoint;
  }

  /**
   * Points deliveries elsewhere (or nowhere). A message belongs to the endpoint it was sent to, as in Svix: a new
   * secret for the same URL re-signs pending retries (a rotation), while a new URL or none cancels them, so no old
   * message reaches a new endpoint signed with its secret.
   */
  configure(endpoint: WebhookEndpoint | undefined): void {
    if (endpoint?.url !== this.endpoint?.url) {
      for (const delivery of this.log) {
        if (delivery.state !== 'pending') continue;
        delivery.state = 'cancelled';
        delete delivery.nextAttemptAt;
      }
    }
    this.endpoint = endpoint;
  }

  /** Queues an event and makes its first attempt right away (in the background). */
  emit(type: ClerkEventType, data: unknown, request?: { ip?: string; userAgent?: string }): void {
    if (this.endpoint === undefined || this.closed) return;
    const payload = JSON.stringify({
      data,
      event_attributes: {
        http_request: { client_ip: request?.ip ?? '', user_agent: request?.userAgent ?? '' },
      },
      instance_id: this.instanceId,
      object: 'event',
      timestamp: this.clock.now(),
      type,
    });
    const delivery: WebhookDelivery = {
      svixId: newId('msg'),
      type,
      payload,
      attempts: [],
      state: 'pending',
      nextAttemptAt: this.clock.now(),
    };
    this.log.push(delivery);
    // First attempts go out one after another, so a healthy endpoint sees events in the order they happened.
    this.firstAttempts = this.firstAttempts.then(() => this.attempt(delivery));
    this.track(this.firstAttempts);
  }

  /** Attempts every pending delivery that is due on the clock; resolves when those attempts are done. */
  async deliverDue(): Promise<void> {
    const now = this.clock.now();
    const due = this.log.filter(
      (d) => d.state === 'pending' && !this.inFlight.has(d) && d.nextAttemptAt !== undefined && d.nextAttemptAt <= now,
    );
    await Promise.all(due.map((d) => this.track(this.attempt(d))));
  }

  /** Resolves when no attempt is in flight. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Every message so far, oldest first (copies). */
  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d, attempts: [...d.attempts] }));
  }

  reset(): void {
    this.log.length = 0;
    this.clearTimer();
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private track(promise: Promise<void>): Promise<void> {
    this.running.add(promise);
    return promise.finally(() => this.running.delete(promise));
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const endpoint = this.endpoint;
    if (endpoint === undefined || this.closed || delivery.state !== 'pending') return;
    this.inFlight.add(delivery);
    const at = this.clock.now();
    let status = 0;
    try {
      const signature = new Webhook(endpoint.secret).sign(delivery.svixId, new Date(at), delivery.payload);
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Svix-Webhooks/1.0 (sandbox)',
          'svix-id': delivery.svixId,
          'svix-timestamp': String(Math.floor(at / 1000)),
          'svix-signature': signature,
        },
        body: delivery.payload,
        signal: AbortSignal.timeout(15_000),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch {
      status = 0;
    } finally {
      this.inFlight.delete(delivery);
    }
    delivery.attempts.push({ at, status });
    // The endpoint may have been removed or replaced while this attempt was out.
    if (cancelled(delivery)) return;
    if (status >= 200 && status < 300) {
      delivery.state = 'delivered';
      delete delivery.nextAttemptAt;
      return;
    }
    const wait = RETRY_SCHEDULE_SECONDS[delivery.attempts.length - 1];
    if (wait === undefined) {
      delivery.state = 'failed';
      delete delivery.nextAttemptAt;
      return;
    }
    delivery.nextAttemptAt = this.clock.now() + wait * 1000;
    this.armTimer();
  }

  /** Wakes up at the earliest due retry, in real time; `deliverDue` re-checks the clock, so a frozen test clock wins. */
  private armTimer(): void {
    if (this.closed) return;
    const next = Math.min(...this.log.filter((d) => d.state === 'pending').map((d) => d.nextAttemptAt ?? Infinity));
    if (!Number.isFinite(next)) return;
    this.clearTimer();
    // Never below 250 ms: a due message still in flight must not make this spin.
    const delay = Math.min(Math.max(next - this.clock.now(), 250), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.deliverDue().then(() => this.armTimer());
    }, delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
