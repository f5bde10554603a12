import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority made for one test run, and a server certificate it signed for `localhost`. */
export interface LocalCertificate {
  /** The authority's certificate (PEM): what a client trusts (Node's `ca` option). */
  caPem: string;
  /** The server's certificate chain (leaf, then the authority), PEM, for the proxy. */
  certFile: string;
  /** The server's private key, PEM, for the proxy. */
  keyFile: string;
  /** base64 SHA-256 of the server key's SubjectPublicKeyInfo: what Chromium is told to trust (and nothing else). */
  spkiSha256: string;
}

/**
 * Makes a throwaway CA and a `localhost` / `127.0.0.1` server certificate with Debian's `openssl`, in `dir`, valid for
 * two days. Nothing is added to any system or browser trust store.
 *
 * @example
 * const tls = makeLocalCertificate(dir);
 * https.get('https://localhost:8443/', { ca: tls.caPem });
 */
export function makeLocalCertificate(dir: string): LocalCertificate {
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(
    ...['req', '-x509', ...ec, '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '2'],
    ...['-subj', '/CN=Tokenbridge test CA', '-addext', 'basicConstraints=critical,CA:TRUE'],
    ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  );
  openssl('req', ...ec, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(
    path('server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n',
  );
  openssl(
    ...['x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key')],
    ...['-CAcreateserial', '-out', path('server.pem'), '-days', '2', '-extfile', path('server.ext')],
  );
  const caPem = readFileSync(path('ca.pem'), 'utf8');
  const leafPem = readFileSync(path('server.pem'), 'utf8');
  writeFileSync(path('fullchain.pem'), leafPem + caPem);
  const spki = new X509Certificate(leafPem).publicKey.export({ type: 'spki', format: 'der' });
  return {
    caPem,
    certFile: path('fullchain.pem'),
    keyFile: path('server.key'),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
  };
}
