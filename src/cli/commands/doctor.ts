import { parseArgs } from 'node:util';
import type { Output } from '../cli-io.js';
import type { CheckResult } from '../doctor/check.js';
import { type DoctorOptions, runDoctor } from '../doctor/run-doctor.js';

const MARKS: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };
const COLOURS: Record<CheckResult['status'], string> = { pass: '32', fail: '31', warn: '33', skip: '90' };

/** `tokenbridge doctor [--json]`: prints the checklist; exit 1 when any check failed. */
export async function doctorCommand(
  args: readonly string[],
  io: DoctorOptions & { stdout: Output; stderr: Output },
): Promise<number> {
  let json: boolean;
  try {
    json = parseArgs({ args: [...args], options: { json: { type: 'boolean' } }, strict: true }).values.json === true;
  } catch (error) {
    io.stderr.write(`tokenbridge doctor: ${(error as Error).message}\nUsage: tokenbridge doctor [--json]\n`);
    return 2;
  }
  const results = await runDoctor(io);
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  if (json) {
    io.stdout.write(`${JSON.stringify({ ok: failed === 0, checks: results }, null, 2)}\n`);
    return failed > 0 ? 1 : 0;
  }
  const colour = io.stdout.isTTY === true;
  const paint = (status: CheckResult['status'], text: string) =>
    colour ? `\u001b[${COLOURS[status]}m${text}\u001b[0m` : text;
  const lines = ['Tokenbridge doctor', ''];
  for (const r of results) {
    lines.push(`  ${paint(r.status, MARKS[r.status])} ${r.title}: ${r.detail}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) lines.push(`      fix: ${r.fix}`);
  }
  const passed = results.filter((r) => r.status === 'pass').length;
  lines.push(
    '',
    failed > 0
      ? `${failed} check(s) failed, ${warned} warning(s), ${passed} passed.`
      : `All checks passed${warned > 0 ? ` with ${warned} warning(s)` : ''}.`,
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return failed > 0 ? 1 : 0;
}
