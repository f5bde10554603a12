import { parseArgs } from 'node:util';
import { TokenBridgeError } from '../../core/errors.js';
import type { ConnectionStatus } from '../../core/types.js';
import { storeMaintenance } from '../../storage/maintenance.js';
import type { StoredConnection } from '../../storage/store.js';
import { type CliIo, cliActor, openRuntime } from '../cli-io.js';

export const CONNECTIONS_USAGE = `Usage:
  tokenbridge connections list [--status active|needs_reconnect] [--limit <n>] [--after <userId>] [--json]
  tokenbridge connections show <userId> [--json]
  tokenbridge connections revoke <userId> --yes
      Revokes the grant at Google and forgets the connection (the user must connect again). Audited.`;

const STATUSES: readonly ConnectionStatus[] = ['active', 'needs_reconnect'];
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `tokenbridge connections list|show|revoke`. Resolves with the exit code. */
export async function connectionsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'list') return await list(rest, io);
    if (sub === 'show') return await show(rest, io);
    if (sub === 'revoke') return await revoke(rest, io);
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`tokenbridge connections: ${error.message}\n\n${CONNECTIONS_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  io.stderr.write(`${CONNECTIONS_USAGE}\n`);
  return 2;
}

async function list(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      status: { type: 'string' },
      limit: { type: 'string' },
      after: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const status = values.status as ConnectionStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status)) {
    io.stderr.write(`tokenbridge connections list: --status must be ${STATUSES.join(' or ')}.\n`);
    return 2;
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    io.stderr.write('tokenbridge connections list: --limit must be a whole number from 1 to 1000.\n');
    return 2;
  }
  const runtime = await openRuntime(io, { bridge: false });
  try {
    // One extra row tells whether there is a next page.
    const ids = await storeMaintenance(runtime.store).listUserIds({
      limit: limit + 1,
      ...(status ? { status } : {}),
      ...(values.after ? { after: values.after } : {}),
    });
    const page = ids.slice(0, limit);
    const rows: StoredConnection[] = [];
    for (const id of page) {
      const row = await runtime.store.getConnection(id);
      if (row) rows.push(row);
    }
    const next = ids.length > limit ? page.at(-1) : undefined;
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify({ data: rows.map(describe), next: next ?? null }, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write('No connections.\n');
      return 0;
    }
    const table = [
      ['USER', 'STATUS', 'GOOGLE ACCOUNT', 'SCOPES', 'TOKEN EXPIRES', 'LAST REFRESH'],
      ...rows.map((r) => [
        r.userId,
        r.status === 'active' ? 'active' : `needs_reconnect (${r.reconnectReason ?? 'unknown'})`,
        r.googleEmail || r.googleSub,
        String(r.scopes.length),
        iso(r.accessTokenExpiresAt) ?? '-',
        iso(r.lastRefreshAt) ?? '-',
      ]),
    ];
    io.stdout.write(formatTable(table));
    if (next) io.stdout.write(`\nMore: tokenbridge connections list --after ${next}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

async function show(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) {
    io.stderr.write(`tokenbridge connections show: expected one user id.\n\n${CONNECTIONS_USAGE}\n`);
    return 2;
  }
  const userId = positionals[0]!;
  const runtime = await openRuntime(io, { bridge: false });
  try {
    const row = await runtime.store.getConnection(userId);
    if (!row) {
      io.stderr.write(`No connection for ${userId}.\n`);
      return 1;
    }
    const audit = await runtime.store.listAudit({ userId, limit: 10 });
    const view = describe(row);
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify({ ...view, recentAudit: audit }, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `User              ${view.userId}`,
      `Status            ${view.status}${view.reconnectReason ? ` (${view.reconnectReason})` : ''}`,
      `Google account    ${view.google.email} (sub ${view.google.sub})`,
      `Scopes            ${view.scopes.join('\n                  ')}`,
      `Access token      ${view.hasAccessToken ? `expires ${view.accessTokenExpiresAt}` : 'none'}`,
      `Refresh token     ${view.hasRefreshToken ? 'held' : 'none'}${view.refreshTokenExpiresAt ? ` (expires ${view.refreshTokenExpiresAt}: Google app in Testing status)` : ''}`,
      `Encrypted with    ${view.encryptionKeyIds.join(', ') || '-'}`,
      `Last refresh      ${view.lastRefreshAt ?? '-'}`,
      `Last error        ${view.lastError ? `${view.lastError.code} at ${view.lastError.at}: ${view.lastError.message}` : '-'}`,
      `Connected         ${view.createdAt}`,
      `Updated           ${view.updatedAt}`,
      '',
      'Recent audit trail:',
      ...(audit.length === 0
        ? ['  (none)']
        : audit.map((e) => `  ${new Date(e.at).toISOString()}  ${e.action.padEnd(16)} ${e.actor}`)),
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

async function revoke(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: { yes: { type: 'boolean' } },
  });
  if (positionals.length !== 1) {
    io.stderr.write(`tokenbridge connections revoke: expected one user id.\n\n${CONNECTIONS_USAGE}\n`);
    return 2;
  }
  const userId = positionals[0]!;
  if (values.yes !== true) {
    io.stderr.write(
      `This revokes ${userId}'s Google grant at Google and deletes the connection; the user must connect again.\n` +
        'Run again with --yes to do it.\n',
    );
    return 2;
  }
  const runtime = await openRuntime(io, { bridge: true });
  try {
    const existing = await runtime.store.getConnection(userId);
    if (!existing) {
      io.stdout.write(`No connection for ${userId}; nothing to revoke.\n`);
      return 0;
    }
    await runtime.store.appendAudit({ userId, action: 'revoke_requested', actor: cliActor(), detail: {} });
    await runtime.bridge!.disconnect(userId, { actor: cliActor() });
    const recent = await runtime.store.listAudit({ userId, limit: 5 });
    const revokedAtGoogle = recent.some((e) => e.action === 'revoke');
    io.stdout.write(
      `Connection for ${userId} deleted. ${
        revokedAtGoogle
          ? 'The grant was revoked at Google.'
          : 'Google could not be reached to revoke the grant; the user can remove access at https://myaccount.google.com/permissions.'
      }\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof TokenBridgeError)) throw error;
    io.stderr.write(`tokenbridge connections revoke: ${error.code}: ${error.message}\n`);
    return 1;
  } finally {
    await runtime.close();
  }
}

/** A connection for display: no ciphertext, only which keys protect it. */
function describe(r: StoredConnection) {
  return {
    userId: r.userId,
    status: r.status,
    reconnectReason: r.reconnectReason,
    google: { sub: r.googleSub, email: r.googleEmail },
    scopes: r.scopes,
    hasAccessToken: r.accessToken !== null,
    hasRefreshToken: r.refreshToken !== null,
    accessTokenExpiresAt: iso(r.accessTokenExpiresAt),
    refreshTokenExpiresAt: iso(r.refreshTokenExpiresAt),
    encryptionKeyIds: [
      ...new Set([r.refreshToken, r.accessToken].filter((c): c is string => c !== null).map((c) => c.split('.')[1])),
    ],
    lastRefreshAt: iso(r.lastRefreshAt),
    lastError: r.lastError ? { ...r.lastError, at: iso(r.lastError.at) } : null,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
