import { parseArgs } from 'node:util';
import { TokenBridgeError } from '../../core/errors.js';
import { type CliIo, cliActor, openRuntime } from '../cli-io.js';

export const TOKEN_USAGE = `Usage: tokenbridge token <userId> [--scope <scope>]... [--min-validity <seconds>] [--force] [--json]
  Prints a fresh Google access token for the user, for debugging. Every use is recorded in the audit trail.`;

/** `tokenbridge token <userId>`: a fresh token through the core, audited as `token_read` by `cli:<os user>`. */
export async function tokenCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr.write(`tokenbridge token: ${(error as Error).message}\n\n${TOKEN_USAGE}\n`);
    return 2;
  }
  const { userId, scopes, minValiditySeconds, force, json } = parsed;
  const runtime = await openRuntime(io, { bridge: true });
  try {
    const token = await runtime.bridge!.getAccessToken(userId, {
      scopes,
      forceRefresh: force,
      actor: cliActor(),
      ...(minValiditySeconds === undefined ? {} : { minValiditySeconds }),
    });
    if (json) {
      io.stdout.write(`${JSON.stringify(token, null, 2)}\n`);
    } else {
      io.stdout.write(
        `${token.accessToken}\n` +
          [
            `  source      ${token.source}`,
            `  google      ${token.google.email || '-'} (${token.google.sub || '-'})`,
            `  expires     ${token.expiresAt}`,
            `  scopes      ${token.scopes.join(' ')}`,
          ].join('\n') +
          '\n',
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof TokenBridgeError)) throw error;
    const details = error as TokenBridgeError & { connectUrl?: string; missing?: string[]; reason?: string };
    const lines = [`tokenbridge token: ${error.code}: ${error.message}`];
    if (details.missing) lines.push(`  missing     ${details.missing.join(' ')}`);
    if (details.reason) lines.push(`  reason      ${details.reason}`);
    if (details.connectUrl) lines.push(`  the user can fix it at ${details.connectUrl}`);
    io.stderr.write(`${lines.join('\n')}\n`);
    return 1;
  } finally {
    await runtime.close();
  }
}

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      scope: { type: 'string', multiple: true },
      'min-validity': { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new Error('expected exactly one user id.');
  const raw = values['min-validity'];
  const minValiditySeconds = raw === undefined ? undefined : Number(raw);
  if (minValiditySeconds !== undefined && !Number.isInteger(minValiditySeconds)) {
    throw new Error('--min-validity must be a whole number of seconds.');
  }
  return {
    userId: positionals[0]!,
    // `--scope "drive.readonly gmail.readonly"` works as well as repeated flags.
    scopes: (values.scope ?? []).flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== ''),
    minValiditySeconds,
    force: values.force === true,
    json: values.json === true,
  };
}
