import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repositoryRoot } from './service.js';

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (gitignored). */
export const screenshotFolder = path.join(repositoryRoot, 'test-output', 'console');

/** Headless Chromium; fails (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `The browser tests need Chromium at ${chromiumPath}: install it with \`apt-get install -y chromium\` (.ci/run does when it is missing) or set CHROMIUM_PATH`,
    );
  }
  await mkdir(screenshotFolder, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    // As root in a container: no sandbox, and /dev/shm is often too small for Chromium's default.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Everything a page did that a test may want to look at afterwards. */
export interface PageRecord {
  urls: string[];
  dialogs: string[];
  errors: string[];
}

/** Records every request URL, JavaScript dialog (dismissed) and page error or console error. */
export function record(page: Page): PageRecord {
  const recorded: PageRecord = { urls: [], dialogs: [], errors: [] };
  page.on('request', (request) => recorded.urls.push(request.url()));
  page.on('dialog', (dialog) => {
    recorded.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => recorded.errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      recorded.errors.push(message.text());
    }
  });
  return recorded;
}

export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(screenshotFolder, `${name}.png`), fullPage: true });
