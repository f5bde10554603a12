/** The start baseline: a bare node:http hello-world in plain JavaScript, printing its port like the bridge does. */
import http from 'node:http';

const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on ${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
