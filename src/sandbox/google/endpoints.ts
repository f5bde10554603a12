/**
 * The `endpoints` option of google-auth-library's OAuth2Client, pointed at an emulator origin.
 *
 * @example
 * new OAuth2Client({ clientId, clientSecret, redirectUri, endpoints: googleEndpoints(google.url) });
 */
export function googleEndpoints(origin: string) {
  const base = origin.replace(/\/+$/, '');
  return {
    oauth2AuthBaseUrl: `${base}/o/oauth2/v2/auth`,
    oauth2TokenUrl: `${base}/token`,
    oauth2RevokeUrl: `${base}/revoke`,
    tokenInfoUrl: `${base}/tokeninfo`,
    oauth2FederatedSignonPemCertsUrl: `${base}/oauth2/v1/certs`,
    oauth2FederatedSignonJwkCertsUrl: `${base}/oauth2/v3/certs`,
  };
}
