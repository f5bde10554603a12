import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the wire bridge received. */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What the wire bridge answers: a status, a JSON body and extra headers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (request: SeenRequest) => Answer | Promise<Answer>;

/**
 * A real HTTP server speaking Tokenbridge's wire (issue 4) for the browser client's tests: each test says what the
 * bridge answers, and reads back what the client sent. It is the contract, not the product.
 */
export class WireBridge {
  readonly requests: SeenRequest[] = [];
  private handler: Handler = () => ({
    status: 500,
    body: { error: { code: 'internal_error', message: 'no answer set' } },
  });
  private server: Server | undefined;
  url = '';

  /** Sets how the bridge answers from now on. */
  answer(handler: Handler): void {
    this.handler = handler;
  }

  /** Requests received for a path. */
  to(path: string): SeenRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(seen);
      const answer = await this.handler(seen);
      const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(body === '' ? {} : { 'content-type': 'application/json' }),
        'cache-control': 'no-store',
        ...answer.headers,
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A promise with its resolver outside, to hold a reply until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A session token shaped like Clerk's (header.payload.signature) for the user `sub`. */
export function sessionTokenFor(sub: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub, sid: `sess_${sub}` })}.c2lnbmF0dXJl`;
}
