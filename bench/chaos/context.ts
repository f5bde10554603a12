/** What every chaos scenario gets (three instances on one schema, seeded users) and what it hands back. */
import type { CliInstance, ClusterUser, ClusterWorld } from '../../test/scale/cluster.js';
import type { Row } from '../lib/report.js';
import { log } from '../lib/seed.js';
import { addTally, describeErrors, emptyTally, type Tally, Traffic } from './traffic.js';

export interface ChaosContext {
  world: ClusterWorld;
  /** The instances still running (a killed one is removed). */
  instances: CliInstance[];
  /** Users with the bridge's own Google connection (refresh tokens in the database). */
  oauthUsers: ClusterUser[];
  /** Users whose Google tokens Clerk holds. */
  clerkUsers: ClusterUser[];
}

/** A pass/fail figure; `gate` ones make the run exit non-zero when not met. */
export interface Check {
  measure: string;
  value: string | number;
  target: string;
  met: boolean;
  gate?: boolean;
}

export interface ScenarioResult {
  name: string;
  /** One table row per phase. */
  rows: Row[];
  tally: Tally;
  checks: Check[];
  detail: Record<string, unknown>;
}

/** The live instances' URLs, for traffic spread as a load balancer would. */
export const liveUrls = (context: ChaosContext) => (): string[] => context.instances.map((instance) => instance.url);

/** Runs `users`' traffic over the live instances for `ms`, with `during` (if any) run meanwhile. */
export async function trafficFor(
  context: ChaosContext,
  users: readonly ClusterUser[],
  ms: number,
  during?: () => Promise<void>,
): Promise<Tally> {
  const traffic = new Traffic({ targets: liveUrls(context), users });
  try {
    await Promise.all([during?.(), new Promise((resolve) => setTimeout(resolve, ms))]);
  } finally {
    await traffic.stop();
  }
  return traffic.tally;
}

/** A phase's table row: its label, the traffic it saw, and any extra columns. */
export function phaseRow(phase: string, tally: Tally, extra: Row = {}): Row {
  log(`${phase}: ${tally.requests} requests, ${tally.served} served, errors ${describeErrors(tally.errors)}`);
  return {
    phase,
    requests: tally.requests,
    served: tally.served,
    'errors by code': describeErrors(tally.errors),
    ...extra,
  };
}

/** Asks one instance for a user's token; the status, the token when served, the error code otherwise. */
export async function askToken(
  url: string,
  user: ClusterUser,
): Promise<{ status: number; accessToken?: string; code?: string }> {
  const response = await fetch(`${url}/api/google-token`, {
    headers: { authorization: `Bearer ${user.sessionToken}` },
  });
  const body = (await response.json().catch(() => ({}))) as { accessToken?: string; error?: { code?: string } };
  return {
    status: response.status,
    ...(body.accessToken ? { accessToken: body.accessToken } : {}),
    ...(body.error?.code ? { code: body.error.code } : {}),
  };
}

/** The gate every scenario has: no user was sent to reconnect by a fault that revoked nothing. */
export function noReconnectGate(what: string, tally: Tally): Check {
  return {
    measure: `${what}: users answered reconnect_required`,
    value: tally.reconnectRequired.size,
    target: '0',
    met: tally.reconnectRequired.size === 0,
    gate: true,
  };
}

/** A fault armed for one phase of traffic, and a figure to read around it. */
export interface FaultPhases {
  /** The scenario's name, and how its gate names the faults. */
  name: string;
  faults: string;
  /** `arm` returns the emulator's id of the fault it armed. */
  phases: ReadonlyArray<{ name: string; arm(): number }>;
  disarm(): void;
  /** How many calls the fault `id` was applied to (the emulator's count). */
  fired(id: number): number;
  users: readonly ClusterUser[];
  /** A counter at the upstream (grants, calls), shown per phase as the difference. */
  counter: { label: string; read(): number };
  phaseMs: number;
}

/**
 * Runs each phase in turn: arm its fault, run the users' traffic for `phaseMs`, disarm. A phase whose fault never
 * fired (a `probability` fault that won no roll, or traffic that never reached the endpoint) tested nothing, so it
 * fails the scenario's gate rather than pass as "survived the fault".
 */
export async function runFaultPhases(context: ChaosContext, spec: FaultPhases): Promise<ScenarioResult> {
  const tally = emptyTally();
  const rows: Row[] = [];
  const fired: Record<string, number> = {};
  for (const phase of spec.phases) {
    const before = spec.counter.read();
    const id = phase.arm();
    try {
      const seen = await trafficFor(context, spec.users, spec.phaseMs);
      addTally(tally, seen);
      fired[phase.name] = spec.fired(id);
      rows.push(
        phaseRow(phase.name, seen, {
          'fault fired': fired[phase.name]!,
          [spec.counter.label]: spec.counter.read() - before,
        }),
      );
    } finally {
      spec.disarm();
    }
  }
  return {
    name: spec.name,
    rows,
    tally,
    checks: [noReconnectGate(spec.faults, tally), faultsFiredGate(spec.faults, fired)],
    detail: { phaseSeconds: spec.phaseMs / 1000, faultFired: fired },
  };
}

/** The gate that keeps a fault phase from passing empty: every phase's fault fired at least once. */
export function faultsFiredGate(what: string, fired: Record<string, number>): Check {
  const never = Object.entries(fired)
    .filter(([, n]) => n === 0)
    .map(([phase]) => phase);
  return {
    measure: `${what}: phases whose fault never fired`,
    value: never.length === 0 ? 0 : never.join('; '),
    target: '0',
    met: never.length === 0,
    gate: true,
  };
}
