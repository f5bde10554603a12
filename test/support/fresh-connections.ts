/** Where Node's built-in fetch keeps its connection pools (undici's global dispatcher). */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Gives this process's `fetch` new, empty connection pools, as a restarted process has. A server restarted on the
 * same port in the same test process would otherwise get requests on pooled keep-alive sockets the old server closed:
 * undici notices a closed idle socket only when it next writes to it, and answers that request "other side closed".
 *
 * @example
 * await sandbox.close();
 * await freshConnectionPools();
 * sandbox = await startSandbox(env, options); // same ports
 */
export async function freshConnectionPools(): Promise<void> {
  await fetch('data:,').catch(() => undefined); // makes sure the global dispatcher exists
  const holder = globalThis as unknown as Record<symbol, { constructor: new () => unknown; close(): Promise<void> }>;
  const current = holder[GLOBAL_DISPATCHER];
  if (current === undefined) throw new Error("Node's fetch has no global dispatcher to replace.");
  holder[GLOBAL_DISPATCHER] = new current.constructor() as (typeof holder)[symbol];
  await current.close().catch(() => undefined);
}
