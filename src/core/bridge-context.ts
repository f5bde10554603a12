import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ConnectionCache } from './connection-cache.js';
import type { TokenBridgeError } from './errors.js';
import type { EventHub } from './events.js';
import type { GoogleOAuth } from './google-oauth.js';
import type { Keyring } from './keyring.js';
import type { AuditRecord, ConnectionStore, OutboxEntry } from './ports.js';
import type { RetryPolicy, Scheduler } from './retry.js';
import type { BridgeEvent } from './types.js';
import { outboxEntries } from './webhook-payload.js';

/** What the bridge's parts share: its ports, its clock, its memory and how it records what happened. */
export class BridgeContext {
  constructor(
    readonly store: ConnectionStore,
    readonly keyring: Keyring,
    readonly google: GoogleOAuth,
    readonly clock: Clock,
    readonly logger: Logger,
    readonly events: EventHub,
    readonly cache: ConnectionCache,
    readonly scheduler: Scheduler,
    readonly retry: RetryPolicy,
    /** The app-facing URL that starts consent for these scopes. */
    readonly connectUrl: (scopes: string[]) => string,
    /** Outbound events go to the outbox with the change they report (`TokenBridgeOptions.outbox`). */
    private readonly outbox: boolean,
  ) {}

  /** The outbox rows a write carries for `events`: none unless the bridge writes the outbox. */
  outboxOf(...events: BridgeEvent[]): OutboxEntry[] {
    return this.outbox ? outboxEntries(events, this.clock.now()) : [];
  }

  /** Writes an audit entry on its own; a failure is logged, never turned into the caller's error. */
  async audit(entry: AuditRecord): Promise<void> {
    try {
      await this.store.appendAudit(entry);
    } catch (error) {
      // The audit trail must not turn a served token into an error.
      this.logger.error(
        { userId: entry.userId, action: entry.action, err: (error as Error).message },
        'audit write failed',
      );
    }
  }

  /** Writes outbound events no connection write carries (a Clerk-held account's change), in the background. */
  recordEvents(event: BridgeEvent): void {
    const entries = this.outboxOf(event);
    if (entries.length === 0) return;
    this.store.recordEvents(entries).catch((error: unknown) => {
      this.logger.error({ type: event.type, code: (error as TokenBridgeError).code }, 'webhook event not recorded');
    });
  }
}
