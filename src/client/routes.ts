/**
 * Where the bridge's routes are, as paths under the client's `baseUrl` (or absolute URLs). An app that exposes them
 * elsewhere (say `/auth/google/connect` instead of `/connect/google`) names its own paths here.
 */
export interface TokenbridgeRoutes {
  /** `GET` a fresh token. Default `/api/google-token`. */
  token: string;
  /** `GET` the connection, `DELETE` to disconnect. Default `/api/google/connection`. */
  connection: string;
  /** `POST` the popup flow's code. Default `/api/google/code`. */
  code: string;
  /** Where `connect()` sends the browser (`?scope=…&return_to=…` is added). Default `/connect/google`. */
  connect: string;
  /** The Google API proxy; `/<api>/<path>` is added. Default `/api/google/proxy`. */
  proxy: string;
}

/** The routes as the bridge serves them. */
export const DEFAULT_ROUTES: Readonly<TokenbridgeRoutes> = Object.freeze({
  token: '/api/google-token',
  connection: '/api/google/connection',
  code: '/api/google/code',
  connect: '/connect/google',
  proxy: '/api/google/proxy',
});

/** The default routes with `overrides` applied; a trailing slash on a route is dropped. */
export function resolveRoutes(overrides: Partial<TokenbridgeRoutes> = {}): TokenbridgeRoutes {
  const routes = { ...DEFAULT_ROUTES };
  for (const name of Object.keys(DEFAULT_ROUTES) as Array<keyof TokenbridgeRoutes>) {
    const value = overrides[name];
    if (typeof value === 'string' && value !== '') routes[name] = value.length > 1 ? value.replace(/\/+$/, '') : value;
  }
  return routes;
}
