import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBridge, sampleToken, startTestServer } from './fixtures.js';

/** The proxy's cap in these tests: small, so going over it costs nothing. */
const CAP = 64 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
/** A stand-in for Google whose answer each test writes: `/drive/v3/<name>` runs `routes[name]`. */
const routes: Record<string, Handler> = {};
let google: Server;
let googleUrl: string;
let bridge: Awaited<ReturnType<typeof startTestServer>>;
let token: string;

async function startBridge(proxyMaxBytes: number) {
  return startTestServer({
    bridge: fakeBridge({ getAccessToken: async () => sampleToken() }),
    config: {
      google: { clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost/cb', baseUrl: googleUrl },
      proxyMaxBytes,
    },
  });
}

beforeAll(async () => {
  google = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.replace('/drive/v3/', '');
    const handler = routes[name];
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":404}}');
  });
  await new Promise<void>((resolve) => google.listen(0, '127.0.0.1', resolve));
  googleUrl = `http://127.0.0.1:${(google.address() as AddressInfo).port}`;
  bridge = await startBridge(CAP);
  token = await bridge.sign();
});
afterAll(async () => {
  await bridge.close();
  google.closeAllConnections();
  await new Promise((resolve) => google.close(resolve));
});

const proxy = async (name: string, server = bridge) =>
  fetch(`${server.url}/api/google/proxy/drive/v3/${name}`, {
    headers: { authorization: `Bearer ${server === bridge ? token : await server.sign()}` },
  });

/** Reads a body to its end, or to the point where the bridge cut it: the bytes that arrived and whether it ended cleanly. */
async function drain(response: Response): Promise<{ bytes: number; complete: boolean }> {
  let bytes = 0;
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes, complete: true };
      bytes += value.length;
    }
  } catch {
    return { bytes, complete: false };
  }
}

describe('the proxy streams Google’s answers', () => {
  it('passes the first bytes on before Google has finished sending', async () => {
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    routes['slow'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(1024, 'a'));
      // The rest only once the client has seen the first kilobyte: a buffering proxy never gets there.
      void finished.then(() => res.end(Buffer.alloc(1024, 'b')));
    };
    const response = await proxy('slow');
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let first = 0;
    while (first < 1024) first += (await reader.read()).value!.length;
    finish();
    let rest = first - 1024;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += value.length;
    }
    expect(rest).toBe(1024);
  });

  it('an answer within the cap passes through whole, with its declared length', async () => {
    const body = Buffer.alloc(CAP, 'x');
    routes['fits'] = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
    const response = await proxy('fits');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(CAP));
    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
  });

  it('a declared length over the cap is refused with 502 upstream_too_large before anything is sent', async () => {
    routes['declared'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': CAP + 1 });
      res.end(Buffer.alloc(CAP + 1));
    };
    const response = await proxy('declared');
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string; limit: number } };
    expect(body.error.code).toBe('upstream_too_large');
    expect(body.error.limit).toBe(CAP);
  });

  it('an undeclared length is cut off where it passes the cap, so the client sees an incomplete body', async () => {
    routes['chunked'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 8; i++) res.write(Buffer.alloc(CAP / 4));
      res.end();
    };
    const response = await proxy('chunked');
    const { bytes, complete } = await drain(response);
    expect(complete).toBe(false);
    expect(bytes).toBeLessThanOrEqual(CAP);
  });

  it('a cap of 0 passes any size through', async () => {
    const open = await startBridge(0);
    try {
      routes['big'] = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': CAP * 4 });
        res.end(Buffer.alloc(CAP * 4));
      };
      const response = await proxy('big', open);
      expect(response.status).toBe(200);
      expect(await drain(response)).toEqual({ bytes: CAP * 4, complete: true });
    } finally {
      await open.close();
    }
  });
});

describe('the proxy serves what is not JSON as a download', () => {
  it.each([
    ['text/html; charset=utf-8', '<script>alert(document.cookie)</script>'],
    ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
    ['image/png', 'png'],
    ['application/pdf', '%PDF'],
  ])('%s comes with Content-Disposition: attachment and a sandbox CSP', async (type, body) => {
    routes['page'] = (_req, res) => res.writeHead(200, { 'content-type': type }).end(body);
    const response = await proxy('page');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment');
    expect(response.headers.get('content-security-policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
    expect(response.headers.get('content-type')).toBe(type);
    expect(await response.text()).toBe(body);
  });

  it('an answer without a content type is a download too', async () => {
    routes['untyped'] = (_req, res) => res.writeHead(200).end('bytes');
    const response = await proxy('untyped');
    expect(response.headers.get('content-disposition')).toBe('attachment');
    expect(response.headers.get('content-security-policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
  });

  it('JSON is served as JSON, inline', async () => {
    routes['json'] = (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end('{"files":[]}');
    const response = await proxy('json');
    expect(response.headers.get('content-disposition')).toBeNull();
    expect(await response.json()).toEqual({ files: [] });
  });
});
