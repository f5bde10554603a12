/**
 * The floor: a bare node:http server that does the least any correct token endpoint must do — verify the caller's Clerk
 * session JWT (RS256, with jose, key from CLERK_JWT_KEY) — and then answers constant JSON.
 */
import http from 'node:http';
import { importSPKI, jwtVerify } from 'jose';

const key = await importSPKI(process.env.CLERK_JWT_KEY ?? '', 'RS256');
const body = JSON.stringify({ accessToken: 'constant', tokenType: 'Bearer', expiresAt: '2030-01-01T00:00:00Z' });

const server = http.createServer(async (req, res) => {
  const token = req.headers.authorization?.slice('Bearer '.length) ?? '';
  try {
    await jwtVerify(token, key, { algorithms: ['RS256'], clockTolerance: 5 });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":{"code":"unauthenticated"}}');
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.send?.({ port: address.port });
});
