/**
 * The `sub` claim of a Clerk session token, read without verifying it. The client only uses it to keep one user's
 * cached Google tokens away from the next user who signs in on the same page; the bridge verifies the token itself.
 */
export function sessionSubject(sessionToken: string): string | undefined {
  const payload = sessionToken.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    return typeof json === 'object' && json !== null && typeof json.sub === 'string' ? json.sub : undefined;
  } catch {
    return undefined;
  }
}
