import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (installed by apt in CI; never downloaded). */
export const CHROMIUM = '/usr/bin/chromium';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser');

/** A headless Chromium with its own throwaway profile. */
export interface Browser {
  context: BrowserContext;
  newPage(options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh user-data-dir, so no cookie or storage leaks between test files. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'tokenbridge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async newPage(options = {}) {
      const page = await context.newPage();
      if (options.width !== undefined) {
        await page.setViewportSize({ width: options.width, height: options.height ?? 900 });
      }
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
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
