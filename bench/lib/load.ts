/**
 * A closed-loop HTTP load generator: `concurrency` workers on keep-alive connections, each sending its next request as
 * soon as the previous answer is read. Latencies are recorded per request; nothing is sampled.
 */
import http from 'node:http';

export interface LoadRequest {
  path: string;
  headers?: Record<string, string>;
  /** Another origin than `url` for this request (spreading load over instances, as a load balancer would). */
  target?: string;
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Total requests across all workers. */
  requests: number;
  /** Builds request `i`; lets each request carry its own user's session token. */
  request(i: number): LoadRequest;
  /**
   * Connections to reuse (keep-alive), e.g. opened by an earlier warm-up run, as a load balancer's pool would be;
   * by default a fresh agent that is destroyed at the end.
   */
  agent?: http.Agent;
  /** Receives each answer's status and body; the body is read only when this is set. */
  onResponse?(i: number, status: number, body: string): void;
}

export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<number, number>;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Every latency in milliseconds, sorted. */
  latencies: Float64Array;
}

/** Runs `options.requests` requests with `options.concurrency` in flight and measures each one. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const targets = new Map<string, URL>();
  const targetOf = (origin: string): URL => {
    const known = targets.get(origin);
    if (known) return known;
    const url = new URL(origin);
    targets.set(origin, url);
    return url;
  };
  const agent = options.agent ?? keepAliveAgent(options.concurrency);
  const latencies = new Float64Array(options.requests);
  const statuses: Record<number, number> = {};
  let next = 0;
  let errors = 0;
  const onResponse = options.onResponse?.bind(options);

  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const { path, headers, target: origin } = options.request(i);
      const target = targetOf(origin ?? options.url);
      const started = performance.now();
      const req = http.request({ host: target.hostname, port: target.port, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', onResponse ? (chunk: Buffer) => chunks.push(chunk) : () => {});
        res.on('end', () => {
          latencies[i] = performance.now() - started;
          const status = res.statusCode ?? 0;
          onResponse?.(i, status, Buffer.concat(chunks).toString());
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status >= 400) errors++;
          resolve();
        });
      });
      req.on('error', () => {
        latencies[i] = performance.now() - started;
        errors++;
        resolve();
      });
      req.end();
    });

  const worker = async (): Promise<void> => {
    while (next < options.requests) await one(next++);
  };

  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (!options.agent) agent.destroy();
  latencies.sort();
  return {
    requests: options.requests,
    errors,
    statuses,
    seconds,
    rps: options.requests / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? 0,
    latencies,
  };
}

/** An agent that keeps up to `sockets` connections per server open between requests. */
export function keepAliveAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** The value below which `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
