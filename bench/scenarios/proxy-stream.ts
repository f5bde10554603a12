/**
 * proxy-stream: the bridge's resident memory while it proxies a 200 MB Drive download (`alt=media`). The bridge
 * streams Google's answer through (issue 11): its RSS must stay within 50 MB of what it was idle, where buffering the
 * body would add the whole 200 MB. A stand-in for Google in this process generates the bytes on the fly (so the
 * emulator holds no 200 MB file) and passes every other request on to the Google emulator; the bridge runs in its
 * own process, its RSS read from /proc every 20 ms.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clerkUser, connectGoogle, DRIVE_READONLY, startCluster } from '../../test/scale/cluster.js';
import { BridgeInstance } from '../lib/processes.js';
import { printTable, writeResult, yes } from '../lib/report.js';
import { authorization, log } from '../lib/seed.js';

const FILE_BYTES = 200 * 1000 * 1000;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const TARGET_MB = 50;
const MB = 1000 * 1000;
const BIG_FILE = '/drive/v3/files/bench-200mb';

export async function proxyStream(): Promise<void> {
  const world = await startCluster({ accounts: 1, schemaPrefix: 'bench_proxy', env: { LOG_LEVEL: 'warn' } });
  let seeder: BridgeInstance | undefined;
  let bridge: BridgeInstance | undefined;
  let google: Server | undefined;
  try {
    // Connected through the emulator itself, then served by an instance that sees the stand-in as Google.
    seeder = await BridgeInstance.start(world.env);
    const user = await clerkUser(world, 0);
    await connectGoogle(seeder.url, user, [DRIVE_READONLY]);
    await seeder.stop();
    google = await startStandIn(world.google.url);
    bridge = await BridgeInstance.start({
      ...world.env,
      GOOGLE_BASE_URL: `http://127.0.0.1:${(google.address() as AddressInfo).port}`,
    });
    const headers = authorization(user);
    // One small proxied call first, so the idle figure includes the proxy's code paths and a warm token.
    const warm = await fetch(`${bridge.url}/api/google/proxy/drive/v3/files?pageSize=1`, { headers });
    await warm.arrayBuffer();
    if (warm.status !== 200) throw new Error(`warming the proxy: HTTP ${warm.status}`);

    const idle = median(await sample(bridge, 10));
    let peak = idle;
    const timer = setInterval(() => {
      peak = Math.max(peak, bridge!.server.rss());
    }, 20);
    const started = performance.now();
    const response = await fetch(`${bridge.url}/api/google/proxy${BIG_FILE}?alt=media`, { headers });
    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, (await bridge.stats()).maxRssBytes);
    if (response.status !== 200 || received !== FILE_BYTES) {
      throw new Error(`the download answered ${response.status} with ${received} of ${FILE_BYTES} bytes`);
    }
    const growthMb = (peak - idle) / MB;
    log(`proxied ${received / MB} MB in ${seconds.toFixed(1)} s`);
    printTable(`proxy-stream: bridge RSS while proxying a ${FILE_BYTES / MB} MB alt=media download`, [
      { measure: 'bridge RSS idle (MB)', value: idle / MB, target: '', met: '' },
      { measure: 'bridge RSS peak during the download (MB)', value: peak / MB, target: '', met: '' },
      { measure: 'growth over idle (MB)', value: growthMb, target: `≤ ${TARGET_MB}`, met: yes(growthMb <= TARGET_MB) },
      { measure: 'throughput (MB/s)', value: received / MB / seconds, target: '', met: '' },
    ]);
    writeResult('proxy-stream', {
      fileBytes: FILE_BYTES,
      idleRssBytes: idle,
      peakRssBytes: peak,
      growthMb,
      seconds,
      targets: { growthMb: TARGET_MB, met: growthMb <= TARGET_MB },
    });
  } finally {
    await Promise.allSettled([seeder?.stop(), bridge?.stop()]);
    if (google) {
      google.closeAllConnections();
      await new Promise((resolve) => google!.close(resolve));
    }
    await world.close();
  }
}

/** Google for the bridge: the big file generated chunk by chunk (with backpressure), everything else forwarded. */
async function startStandIn(emulatorUrl: string): Promise<Server> {
  const emulator = new URL(emulatorUrl);
  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith(BIG_FILE)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': FILE_BYTES });
      let sent = 0;
      const pump = () => {
        while (sent < FILE_BYTES) {
          const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, FILE_BYTES - sent));
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    const upstream = request(
      {
        host: emulator.hostname,
        port: emulator.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: emulator.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** `count` readings of the bridge's RSS, one per 100 ms. */
async function sample(bridge: BridgeInstance, count: number): Promise<number[]> {
  const readings: number[] = [];
  for (let i = 0; i < count; i++) {
    readings.push(bridge.server.rss());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return readings;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
