/**
 * Google's token endpoint misbehaves while the bridge's users keep asking through every instance. Their tokens live
 * 60 s, inside the bridge's 5-minute refresh window, so every request refreshes at Google: each phase arms one kind of
 * fault on `POST /token` with a probability, runs the traffic, and disarms it.
 */
import type { FaultSpec } from '../../src/sandbox/kit/faults.js';
import { type ChaosContext, runFaultPhases, type ScenarioResult } from './context.js';

const PHASE_MS = 8_000;

const FAULTS: Array<{ name: string; fault: FaultSpec }> = [
  { name: 'Google 500 (p 0.5)', fault: { status: 500, probability: 0.5 } },
  { name: 'Google 503 (p 0.5)', fault: { status: 503, probability: 0.5 } },
  { name: 'Google 429, Retry-After 1 (p 0.5)', fault: { status: 429, retryAfterSeconds: 1, probability: 0.5 } },
  { name: 'Google 2 s latency (p 0.5)', fault: { latencyMs: 2_000, probability: 0.5 } },
  // Above the bridge's 10 s per-call timeout: the call is abandoned and retried.
  { name: 'Google timeout, 10.5 s (p 0.2)', fault: { latencyMs: 10_500, probability: 0.2 } },
  { name: 'Google connection reset (p 0.5)', fault: { reset: true, probability: 0.5 } },
  // Every refresh fails: the still-valid tokens (60 s) must be served meanwhile, and nobody sent to reconnect.
  { name: 'Google down: 503 always (p 1)', fault: { status: 503, probability: 1 } },
];

export async function googleFaults(context: ChaosContext): Promise<ScenarioResult> {
  const { google } = context.world;
  return runFaultPhases(context, {
    name: 'google-faults',
    faults: 'Google faults',
    phases: FAULTS.map(({ name, fault }) => ({
      name,
      arm: () => google.control.injectFault({ endpoint: '/token', method: 'POST', ...fault }),
    })),
    disarm: () => google.control.clearFaults(),
    fired: (id) => google.control.faultFired(id),
    users: context.oauthUsers,
    counter: { label: 'refresh grants', read: () => google.control.counters().grants.refresh_token },
    phaseMs: PHASE_MS,
  });
}
