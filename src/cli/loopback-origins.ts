/** The names of this machine's loopback interface a browser may use for the same port. */
const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** True for `localhost`, `127.0.0.1` and `[::1]` (URL host names, IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname.toLowerCase());
}

/**
 * `url` under every loopback name when its host is one (the same scheme, port and path), else `url` alone. A person
 * may open the sandbox as `http://localhost:3000`, `http://127.0.0.1:3000` or `http://[::1]:3000`: each is a
 * different origin to a browser, so the sandbox allows, registers and authorizes them all.
 *
 * @example
 * loopbackAliases('http://localhost:3000/oauth/google/callback');
 * // ['http://localhost:3000/oauth/google/callback', 'http://127.0.0.1:3000/…', 'http://[::1]:3000/…']
 */
export function loopbackAliases(url: string): string[] {
  const parsed = new URL(url);
  const plain = (u: URL) => (u.pathname === '/' && u.search === '' && !url.endsWith('/') ? u.origin : u.toString());
  if (!isLoopbackHost(parsed.hostname)) return [plain(parsed)];
  const first = parsed.hostname.toLowerCase();
  return [first, ...LOOPBACK_HOSTS.filter((h) => h !== first)].map((host) => {
    const alias = new URL(parsed);
    alias.hostname = host;
    return plain(alias);
  });
}
