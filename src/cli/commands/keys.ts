import { parseArgs } from 'node:util';
import { Keyring } from '../../core/keyring.js';
import { type CliIo, type Output, openRuntime } from '../cli-io.js';
import { type RotationProgress, rotateKeys } from '../key-rotation.js';

export const KEYS_USAGE = `Usage:
  tokenbridge keys generate [--kid <id>]   Print a new key entry to put first in TOKENBRIDGE_ENCRYPTION_KEYS.
  tokenbridge keys rotate [--batch-size <n>]
                                          Re-encrypt every stored secret under the first key. Safe while the
                                          bridge serves traffic; resumable (run it again after an interruption).`;

/** `tokenbridge keys generate|rotate`. Resolves with the exit code. */
export async function keysCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'generate') return generate(rest, io);
  if (sub === 'rotate') return rotate(rest, io);
  io.stderr.write(`${KEYS_USAGE}\n`);
  return 2;
}

function generate(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({ args: [...args], options: { kid: { type: 'string' } }, strict: true });
  const kid = values.kid ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  const entry = Keyring.generate(kid);
  io.stdout.write(`${entry}\n`);
  io.stderr.write(
    'Put it FIRST in TOKENBRIDGE_ENCRYPTION_KEYS on every instance (keep the old keys after it), restart, then run\n' +
      '`tokenbridge keys rotate`. Remove an old key only once rotate reports it unused.\n',
  );
  return 0;
}

async function rotate(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { 'batch-size': { type: 'string' } },
    strict: true,
  });
  const batchSize = values['batch-size'] === undefined ? 100 : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) {
    io.stderr.write('tokenbridge keys rotate: --batch-size must be a whole number from 1 to 1000.\n');
    return 2;
  }
  const runtime = await openRuntime(io, { bridge: false });
  try {
    const primary = runtime.keyring.primaryKeyId;
    io.stderr.write(`Re-encrypting stored secrets under key "${primary}".\n`);
    const bar = progressBar(io.stderr);
    const result = await rotateKeys({
      store: runtime.store,
      keyring: runtime.keyring,
      batchSize,
      onProgress: bar.update,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    bar.done();
    const summary = `${result.rotated} re-encrypted, ${result.skipped} already current, ${result.failed} undecryptable.`;
    if (!result.complete) {
      io.stdout.write(`Interrupted: ${summary} Run \`tokenbridge keys rotate\` again to continue.\n`);
      return 130;
    }
    if (result.failed > 0) {
      io.stdout.write(
        `${summary}\n${result.failed} row(s) could not be decrypted with any key in TOKENBRIDGE_ENCRYPTION_KEYS: ` +
          'an old key is missing from the ring. Add it back (after the new one) and run again.\n',
      );
      return 1;
    }
    if (result.remaining > 0) {
      io.stdout.write(
        `${summary}\n${result.remaining} row(s) were written under an older key meanwhile: an instance still runs ` +
          `with "${primary}" not first. Update every instance, then run again.\n`,
      );
      return 1;
    }
    io.stdout.write(`Done: ${summary}\n`);
    if (result.unusedKeyIds.length > 0) {
      io.stdout.write(
        `No stored secret uses ${result.unusedKeyIds.map((k) => `"${k}"`).join(', ')} any more: ` +
          `TOKENBRIDGE_ENCRYPTION_KEYS can be just "${primary}:…" (keep the old key in your backups' keyring).\n`,
      );
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

/** A progress bar on a terminal; on anything else, a plain line every tenth of the way. */
function progressBar(out: Output): { update: (p: RotationProgress) => void; done: () => void } {
  let lastDecile = -1;
  let drawn = false;
  return {
    update: (p) => {
      const doneCount = p.rotated + p.skipped + p.failed;
      const fraction = p.total === 0 ? 1 : Math.min(1, doneCount / p.total);
      if (out.isTTY) {
        const width = Math.max(10, Math.min(40, (out.columns ?? 80) - 45));
        const filled = Math.round(fraction * width);
        out.write(
          `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${doneCount}/${p.total} ` +
            `(${p.rotated} re-encrypted, ${p.skipped} current, ${p.failed} failed)`,
        );
        drawn = true;
        return;
      }
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile && (doneCount > 0 || p.total === 0)) {
        lastDecile = decile;
        out.write(`progress: ${doneCount}/${p.total} rows (${p.rotated} re-encrypted, ${p.failed} failed)\n`);
      }
    },
    done: () => {
      if (drawn) out.write('\n');
    },
  };
}
