import type { Logger } from 'pino';
import type { BridgeEvent } from './types.js';

/** Fans bridge events out to listeners; a throwing listener is logged and never breaks the bridge or the others. */
export class EventHub {
  readonly #listeners = new Set<(event: BridgeEvent) => void>();

  constructor(private readonly logger: Logger) {}

  /** Subscribes; returns the unsubscribe function. */
  on(listener: (event: BridgeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(event: BridgeEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ event: event.type, err: (error as Error)?.message }, 'bridge event listener threw');
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
