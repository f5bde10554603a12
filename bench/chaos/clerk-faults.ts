/**
 * Clerk's Backend API answers 5xx and 429 while users whose Google tokens Clerk holds keep asking through every
 * instance. Those Google tokens live 15 s (set before sign-in), so the bridge asks Clerk for each successor all along.
 */
import type { FaultSpec } from '../../src/sandbox/kit/faults.js';
import { type ChaosContext, runFaultPhases, type ScenarioResult } from './context.js';

const PHASE_MS = 8_000;

const FAULTS: Array<{ name: string; fault: FaultSpec }> = [
  { name: 'Clerk 500 (p 0.5)', fault: { status: 500, probability: 0.5 } },
  { name: 'Clerk 503 (p 0.5)', fault: { status: 503, probability: 0.5 } },
  { name: 'Clerk 429, Retry-After 1 (p 0.5)', fault: { status: 429, retryAfterSeconds: 1, probability: 0.5 } },
];

export async function clerkFaults(context: ChaosContext): Promise<ScenarioResult> {
  const { clerk } = context.world;
  return runFaultPhases(context, {
    name: 'clerk-faults',
    faults: 'Clerk faults',
    phases: FAULTS.map(({ name, fault }) => ({
      name,
      arm: () => clerk.control.injectFault({ endpoint: '/v1/users/*', ...fault }),
    })),
    disarm: () => clerk.control.clearFaults(),
    fired: (id) => clerk.control.faultFired(id),
    users: context.clerkUsers,
    counter: {
      label: 'Clerk calls',
      read: () => Object.values(clerk.control.counters().calls).reduce((sum, n) => sum + n, 0),
    },
    phaseMs: PHASE_MS,
  });
}
