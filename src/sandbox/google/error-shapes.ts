/** Google's error bodies: OAuth endpoints speak `{error, error_description}`, APIs speak `{error: {code, ...}}`. */

const OAUTH_PATHS = ['/token', '/revoke', '/tokeninfo', '/o/oauth2/', '/oauth2/', '/v1/userinfo', '/.well-known/'];

/** True for the paths that answer in the OAuth error shape. */
export function isOAuthPath(path: string): boolean {
  return OAUTH_PATHS.some((p) => path === p || (p.endsWith('/') && path.startsWith(p)));
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const REASONS: Record<number, [string, string, string]> = {
  // status: [message, domain, reason]
  429: ['Quota exceeded for quota metric.', 'usageLimits', 'rateLimitExceeded'],
  500: ['Internal error encountered.', 'global', 'backendError'],
  502: ['Bad Gateway', 'global', 'backendError'],
  503: ['The service is currently unavailable.', 'global', 'backendError'],
  504: ['Deadline exceeded.', 'global', 'backendError'],
};

/** A Google API error body for `status`. */
export function apiErrorBody(status: number, message?: string): unknown {
  const [defaultMessage, domain, reason] = REASONS[status] ?? ['Request failed.', 'global', 'failed'];
  const text = message ?? defaultMessage;
  return {
    error: {
      code: status,
      message: text,
      errors: [{ message: text, domain, reason }],
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
    },
  };
}

/** An OAuth error body for `status` (used for injected faults on OAuth endpoints). */
export function oauthErrorBody(status: number): { error: string; error_description: string } {
  if (status === 429) return { error: 'rate_limit_exceeded', error_description: 'Rate Limit Exceeded' };
  if (status >= 500) return { error: 'internal_failure', error_description: 'Backend Error' };
  return { error: 'invalid_request', error_description: 'Bad Request' };
}

/** Google's plain HTML 404 page. */
export function notFoundHtml(path: string): string {
  const safe = path.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang=en>
<meta charset=utf-8>
<title>Error 404 (Not Found)!!1</title>
<p><b>404.</b> <ins>That’s an error.</ins>
<p>The requested URL <code>${safe}</code> was not found on this server.  <ins>That’s all we know.</ins>
`;
}
