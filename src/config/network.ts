import { isIP } from 'node:net';
import { EnvError } from './env-error.js';

/** A number of proxy hops, or the proxies' addresses, CIDR ranges and `loopback`/`linklocal`/`uniquelocal`. */
export type TrustProxy = number | string[];

/** An interface address or host name to listen on. */
export function listenHost(raw: string, name: string): string {
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(raw)) {
    throw new EnvError(name, 'expected an IP address or host name to listen on, such as 127.0.0.1 or 0.0.0.0.');
  }
  return raw;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `TOKENBRIDGE_TRUST_PROXY`: a hop count (`1` behind one load balancer) or a comma-separated list of the proxies'
 * addresses and CIDR ranges. `true` is refused: it would let any client pick the address its rate limit is counted on.
 */
export function trustProxy(raw: string, name: string): TrustProxy | undefined {
  if (raw === 'false' || raw === '0') return undefined;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new EnvError(name, 'expected a number of proxy hops from 0 to 10.');
    return hops;
  }
  if (raw === 'true') {
    throw new EnvError(
      name,
      "'true' would trust any client's X-Forwarded-For; give the number of proxies in front (1, 2, …) or their addresses.",
    );
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new EnvError(
        name,
        `expected a hop count, or addresses and CIDR ranges such as 10.0.0.0/8,loopback; got ${JSON.stringify(entry.slice(0, 50))}.`,
      );
    }
  }
  return entries;
}
