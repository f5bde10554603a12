import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, type Browser as Chromium, chromium, type Page } from 'playwright-core';
import { PATIENCE_MS } from '../support/patience.js';

/** Debian's Chromium (installed by apt in CI; never downloaded). */
export const CHROMIUM = '/usr/bin/chromium';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser');

/** A headless browser session with its own cookies and storage. */
export interface Browser {
  context: BrowserContext;
  newPage(options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

let shared: Promise<Chromium> | undefined;

/**
 * One Chromium per test worker, started on first use and ended with the worker (Playwright closes what it launched
 * when its process exits): starting Chromium costs more than a whole console test on a busy 2-core machine, while a
 * new context costs next to nothing and shares nothing with the others.
 */
function sharedChromium(): Promise<Chromium> {
  const launch = () =>
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        // Tests are one trusted app on loopback: site isolation would start a renderer process per origin and per
        // navigation between the console and the emulators, the largest cost of a browser test on 2 cores.
        '--disable-features=IsolateOrigins,site-per-process,PaintHolding',
        '--disable-site-isolation-trials',
        '--renderer-process-limit=2',
      ],
    });
  shared = (shared ?? launch()).then((browser) => (browser.isConnected() ? browser : launch()));
  return shared;
}

/**
 * A fresh browser context (no cookie, storage or cache shared with any other), as a new browser profile would be.
 * Waits in it are bounded by the patience bound, never by Playwright's own 30 s.
 */
export async function launchBrowser(): Promise<Browser> {
  const context = await (await sharedChromium()).newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(PATIENCE_MS);
  return {
    context,
    async newPage(options = {}) {
      const page = await context.newPage();
      if (options.width !== undefined) {
        await page.setViewportSize({ width: options.width, height: options.height ?? 900 });
      }
      return page;
    },
    close: () => context.close(),
  };
}

/** Saves a full-page screenshot as a test artifact: `test-artifacts/browser/<suite>/<step>.png`. */
export async function snap(page: Page, suite: string, step: string): Promise<string> {
  const dir = join(ARTIFACTS, slug(suite));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${slug(step)}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);
}
