import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { WebhookPayload } from '../../src/core/webhook-payload.js';

/** A fresh Standard Webhooks secret, as an app would generate it. */
export const newWebhookSecret = (): string =>
  `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}`;

/** One POST the app's endpoint received, with what `standardwebhooks` made of it. */
export interface Received {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified payload, or null when verification threw. */
  payload: WebhookPayload | null;
  /** What the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Verified deliveries the receiver accepted (2xx). */
  accepted(): WebhookPayload[];
  /** The status to answer the next requests with; default 204. */
  answer(status: number): void;
  /** Resolves once `count` requests matching `match` have arrived (no polling, no sleeping). */
  waitFor(match: (r: Received) => boolean, count?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * The app's side: an HTTP endpoint that verifies every delivery with `standardwebhooks`' `Webhook.verify`, the way
 * an app (or Svix) would. The timestamp tolerance is checked against the test's clock, since the bridge signs with it.
 */
export async function startReceiver(secret: string, clock: Clock): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  let status = 204;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: WebhookPayload | null = null;
      const now = vi.spyOn(Date, 'now').mockReturnValue(clock.now());
      try {
        payload = verifier.verify(body, request.headers as Record<string, string>) as WebhookPayload;
      } catch {
        payload = null;
      } finally {
        now.mockRestore();
      }
      const answered = payload === null ? 400 : status;
      received.push({
        id: String(request.headers['webhook-id']),
        headers: request.headers,
        body,
        payload,
        status: answered,
      });
      response.writeHead(answered).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tokenbridge`,
    received,
    accepted: () => received.filter((r) => r.status < 300 && r.payload !== null).map((r) => r.payload!),
    answer(next) {
      status = next;
    },
    waitFor(match, count = 1) {
      return new Promise((resolve) => {
        const check = () => {
          const hits = received.filter(match);
          if (hits.length < count) return;
          waiters.delete(check);
          resolve(hits);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
