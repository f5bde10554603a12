/**
 * The floor: a bare node:http server that does the least any correct token endpoint must do — verify the caller's Clerk
 * session JWT (RS256, with jose, key from CLERK_JWT_KEY) — and then answers constant JSON. Like the bridge, it
 * remembers a verified token until its `exp` (at most 10,000 of them, the oldest forgotten first), so a token it has
 * seen costs a Map lookup and a new one a signature check: the comparison is like for like with repeated tokens
 * (the hot rounds) and with tokens it has never seen (the rotated case).
 */
import http from 'node:http';
import { importSPKI, jwtVerify } from 'jose';

const key = await importSPKI(process.env.CLERK_JWT_KEY ?? '', 'RS256');
const body = JSON.stringify({ accessToken: 'constant', tokenType: 'Bearer', expiresAt: '2030-01-01T00:00:00Z' });
const CACHE_SIZE = 10_000;
/** Verified token → its `exp` in ms. */
const verified = new Map<string, number>();

async function valid(token: string): Promise<boolean> {
  const exp = verified.get(token);
  if (exp !== undefined && exp > Date.now()) return true;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['RS256'], clockTolerance: 5 });
    if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, (payload.exp ?? 0) * 1000);
    return true;
  } catch {
    return false;
  }
}

const server = http.createServer(async (req, res) => {
  const token = req.headers.authorization?.slice('Bearer '.length) ?? '';
  if (await valid(token)) {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  } else {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"unauthenticated"}}');
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.send?.({ port: address.port });
});
