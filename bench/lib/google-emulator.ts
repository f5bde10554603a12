/**
 * The Google emulator in its own process, for scenarios where its answers must not queue behind the load
 * generator's work (the storm's fixed token latency). Registers the bridge's client for `PUBLIC_URL`, reports
 * `{ port }` over IPC; the bench drives it through its HTTP control API under `/__emulator/`.
 */
import { SANDBOX_BRIDGE_CLIENT } from '../../src/cli/sandbox.js';
import { systemClock } from '../../src/clock.js';
import { startGoogleEmulator } from '../../src/sandbox/google/index.js';
import { AdjustableClock } from '../../src/sandbox/kit/clock.js';
import { generatedAccounts } from '../../test/scale/cluster.js';

const publicUrl = process.env.PUBLIC_URL ?? 'http://tokenbridge.localhost';
const google = await startGoogleEmulator({
  clock: new AdjustableClock(systemClock),
  accounts: generatedAccounts(Number(process.env.ACCOUNTS ?? 100)),
});
google.control.registerClient({
  ...SANDBOX_BRIDGE_CLIENT,
  name: 'Tokenbridge (bench)',
  redirectUris: [`${publicUrl}/oauth/google/callback`],
  javascriptOrigins: [publicUrl],
});
process.on('SIGTERM', () => {
  google.close().finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ port: Number(new URL(google.url).port) });
