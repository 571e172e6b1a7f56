// Debian's Chromium (CHROMIUM, default /usr/bin/chromium) driven by
// playwright-core, which never downloads a browser. Each person gets a
// browser context of their own (own storage, like a separate profile).

import { chromium } from 'playwright-core';
import { join } from 'node:path';

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: chromiumArgs,
    headless: true });
}

/** open makes a context and page; errors the page reports are collected in problems. */
export async function open(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(url);
  return { context, page, problems };
}

/** shot saves a screenshot into PARLEY_WIDGET_SHOTS (the Go test logs the folder). */
export async function shot(page, name) {
  const dir = process.env.PARLEY_WIDGET_SHOTS;
  if (dir) {
    await page.screenshot({ path: join(dir, `${name}.png`) });
  }
}

/** texts is what the widget's message list shows: each list item's text content, in order. */
export function texts(scope) {
  return scope.locator('li.pw-msg .pw-text').allTextContents();
}
