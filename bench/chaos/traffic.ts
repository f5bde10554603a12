/**
 * Steady token traffic while a fault plays out: `/api/google-token` for a set of users, spread over whichever
 * instances are alive (as a load balancer would), in closed-loop chunks of {@link runLoad} until stopped. Every
 * answer is tallied by status and error code; a request that got no HTTP answer at all counts as `network`.
 */
import type { ClusterUser } from '../../test/scale/cluster.js';
import { keepAliveAgent, runLoad } from '../lib/load.js';
import { authorization } from '../lib/seed.js';

/** What the traffic got: requests sent, answered 200, and every other outcome by `status code` (or `network`). */
export interface Tally {
  requests: number;
  served: number;
  errors: Record<string, number>;
  /** Users who were answered `409 reconnect_required` at least once. */
  reconnectRequired: Set<string>;
}

export const emptyTally = (): Tally => ({ requests: 0, served: 0, errors: {}, reconnectRequired: new Set() });

/** Adds `from` into `into`. */
export function addTally(into: Tally, from: Tally): Tally {
  into.requests += from.requests;
  into.served += from.served;
  for (const [code, n] of Object.entries(from.errors)) into.errors[code] = (into.errors[code] ?? 0) + n;
  for (const user of from.reconnectRequired) into.reconnectRequired.add(user);
  return into;
}

/** `503 upstream_unavailable×12, network×3`, or `none`. */
export function describeErrors(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code}×${n}`).join(', ');
}

export interface TrafficOptions {
  /** The instances to spread requests over, asked before every chunk (a killed one drops out). */
  targets(): readonly string[];
  users: readonly ClusterUser[];
  concurrency?: number;
  /** Query string appended to `/api/google-token`. */
  query?: string;
}

/** Traffic that runs from construction until {@link Traffic.stop}. */
export class Traffic {
  readonly tally = emptyTally();
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(private readonly options: TrafficOptions) {
    this.#done = this.#run();
  }

  /** Stops after the chunk in flight and returns the tally. */
  async stop(): Promise<Tally> {
    this.#stopped = true;
    await this.#done;
    return this.tally;
  }

  async #run(): Promise<void> {
    const concurrency = this.options.concurrency ?? 12;
    const agent = keepAliveAgent(concurrency);
    const { users } = this.options;
    let offset = 0;
    try {
      while (!this.#stopped) {
        const targets = this.options.targets();
        const chunk = concurrency * 4;
        let withStatus = 0;
        const first = offset;
        const result = await runLoad({
          url: targets[0]!,
          concurrency,
          requests: chunk,
          agent,
          request: (i) => ({
            path: `/api/google-token${this.options.query ?? ''}`,
            headers: authorization(users[(first + i) % users.length]!),
            target: targets[(first + i) % targets.length]!,
          }),
          onResponse: (i, status, body) => {
            if (status >= 400) withStatus++;
            if (status === 200) {
              this.tally.served++;
              return;
            }
            const code = errorCode(body);
            const key = `${status} ${code}`;
            this.tally.errors[key] = (this.tally.errors[key] ?? 0) + 1;
            if (code === 'reconnect_required')
              this.tally.reconnectRequired.add(users[(first + i) % users.length]!.email);
          },
        });
        offset += chunk;
        this.tally.requests += chunk;
        const network = result.errors - withStatus;
        if (network > 0) this.tally.errors.network = (this.tally.errors.network ?? 0) + network;
      }
    } finally {
      agent.destroy();
    }
  }
}

function errorCode(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? 'no_code';
  } catch {
    return 'not_json';
  }
}
