import { parseArgs } from 'node:util';
import { type FailedDelivery, webhookOutbox } from '../../storage/webhook-outbox.js';
import { type CliIo, openRuntime } from '../cli-io.js';

export const WEBHOOKS_USAGE = `Usage:
  tokenbridge webhooks failed [--limit <n>] [--json]
      Lists the outbound events given up after their last attempt, oldest first.
  tokenbridge webhooks replay <webhookId>... | --all --yes
      Puts failed events back in the queue with a fresh retry schedule and the same webhook-id; a running
      instance sends them within its poll interval.`;

const iso = (ms: number) => new Date(ms).toISOString();

/** `tokenbridge webhooks failed|replay`: the outbound events that could not be delivered. Resolves with the exit code. */
export async function webhooksCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'failed') return await failed(rest, io);
    if (sub === 'replay') return await replay(rest, io);
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`tokenbridge webhooks: ${error.message}\n\n${WEBHOOKS_USAGE}\n`);
      return 2;
    }
    throw error;
  }
  io.stderr.write(`${WEBHOOKS_USAGE}\n`);
  return 2;
}

async function failed(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: { limit: { type: 'string' }, json: { type: 'boolean' } },
  });
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    io.stderr.write('tokenbridge webhooks failed: --limit must be a whole number from 1 to 1000.\n');
    return 2;
  }
  const runtime = await openRuntime(io, { bridge: false });
  try {
    const rows = await webhookOutbox(runtime.store).listFailed({ limit });
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ data: rows.map(wire) })}\n`);
    } else if (rows.length === 0) {
      io.stdout.write('No failed deliveries.\n');
    } else {
      for (const row of rows) io.stdout.write(`${line(row)}\n`);
      io.stdout.write(`${rows.length} failed; replay with: tokenbridge webhooks replay <webhookId>... | --all --yes\n`);
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

async function replay(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: true,
    options: { all: { type: 'boolean' }, yes: { type: 'boolean' } },
  });
  if (values.all === true ? positionals.length > 0 || values.yes !== true : positionals.length === 0) {
    io.stderr.write(`tokenbridge webhooks replay: name the webhook ids, or --all --yes.\n\n${WEBHOOKS_USAGE}\n`);
    return 2;
  }
  const runtime = await openRuntime(io, { bridge: false });
  try {
    const now = runtime.store.clock.now();
    const requeued = await webhookOutbox(runtime.store).replayFailed({
      now,
      ...(values.all === true ? {} : { ids: positionals }),
    });
    const missing = positionals.filter((id) => !requeued.includes(id));
    for (const id of requeued) io.stdout.write(`requeued ${id}\n`);
    for (const id of missing) io.stderr.write(`not a failed delivery: ${id.slice(0, 80)}\n`);
    io.stdout.write(`${requeued.length} requeued.\n`);
    return missing.length > 0 ? 1 : 0;
  } finally {
    await runtime.close();
  }
}

function wire(row: FailedDelivery) {
  return { ...row, createdAt: iso(row.createdAt) };
}

function line(row: FailedDelivery): string {
  const last = row.lastStatus === null ? (row.lastError ?? 'no answer') : `HTTP ${row.lastStatus}`;
  return `${iso(row.createdAt)}  ${row.id}  ${row.type.padEnd(26)} ${row.userId ?? '-'}  ${row.attempts} attempts, last ${last}`;
}
