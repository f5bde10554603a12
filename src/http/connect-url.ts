const AUTH_PREFIX = 'https://www.googleapis.com/auth/';

/**
 * Builds the bridge's connect URL for a set of scopes: `$PUBLIC_URL/connect/google?scope=drive.readonly&scope=…`.
 * Scope URLs under googleapis.com/auth are written as their short names, which the connect route accepts back.
 *
 * @example
 * connectUrlBuilder('https://bridge.example.com')(['https://www.googleapis.com/auth/drive.readonly'])
 * // 'https://bridge.example.com/connect/google?scope=drive.readonly'
 */
export function connectUrlBuilder(publicUrl: string): (scopes: readonly string[]) => string {
  const base = `${publicUrl.replace(/\/+$/, '')}/connect/google`;
  return (scopes) => {
    const params = new URLSearchParams();
    for (const scope of scopes) {
      params.append('scope', scope.startsWith(AUTH_PREFIX) ? scope.slice(AUTH_PREFIX.length) : scope);
    }
    const query = params.toString();
    return query === '' ? base : `${base}?${query}`;
  };
}
