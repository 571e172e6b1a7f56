// What the workbench's browser flows and benchmark share: Debian's Chromium
// through playwright-core (it never downloads a browser), agents signed in
// through the real page, customers as TypeScript SDK clients under Node, and
// the server's admin API for staff and teams.

import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { Client } from '@parley-im/sdk';
import { join } from 'node:path';

export const ADDR = process.env.PARLEY_ADDR ?? '';
export const TOKEN = process.env.PARLEY_ADMIN_TOKEN ?? '';
export const SHOTS = process.env.PARLEY_WORKBENCH_SHOTS ?? '';
export const PASSWORD = 'pass123';

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: chromiumArgs, headless: true });
}

/** admin calls the server's admin API and returns its JSON answer. */
export async function admin(method, path, body) {
  const res = await fetch(`http://${ADDR}/v0/admin/${path}`, {
    method, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  }
  return JSON.parse(text);
}

/** staff creates a staff account and returns its user id. */
export async function staff(login, role, teams, capacity = 5) {
  const r = await admin('POST', 'staff', { login, password: PASSWORD, role, teams, capacity });
  return r.staff.user;
}

/** customer is an anonymous visitor's SDK client that opened service. */
export async function customer(name = 'visitor') {
  const c = new Client({ host: ADDR, WebSocket, storage: false, backoffBaseMs: 50, backoffMaxMs: 500, sendTimeoutMs: 3000 });
  await c.connect();
  await c.signupAnonymous({ fn: name });
  const open = await c.service.open();
  return { client: c, topic: open.topic };
}

/** waitFor polls cond (sync or async) every 20 ms until it is truthy, failing after ms with what. */
export async function waitFor(cond, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Agent is one staff member at one browser context (own storage, like a separate profile). */
export class Agent {
  constructor(name, context, page) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.errors = [];
  }

  static async open(browser, name, locale = 'en-US') {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const a = new Agent(name, context, page);
    page.on('pageerror', (e) => a.errors.push(String(e)));
    await page.goto(`http://${ADDR}/`);
    return a;
  }

  async signIn(login, labels = { login: 'Login', password: 'Password', button: 'Sign in' }) {
    const p = this.page;
    await p.getByLabel(labels.login).fill(login);
    await p.getByLabel(labels.password).fill(PASSWORD);
    await p.getByRole('button', { name: labels.button }).click();
    await p.getByRole('radiogroup').waitFor();
    await waitFor(() => p.locator('[role=radio][aria-checked=true]').count(), `${this.name} to be online`);
  }

  row(topic) {
    return this.page.locator(`[data-topic="${topic}"]`);
  }

  async openConversation(topic) {
    await this.row(topic).waitFor();
    await this.row(topic).click();
    await this.page.locator('.scroll').waitFor();
  }

  /** say types text in the Message box (name in the page's language) and presses Enter. */
  async say(text, box = 'Message') {
    const input = this.page.getByRole('textbox', { name: box, exact: true });
    await input.fill(text);
    await input.press('Enter');
  }

  /** texts is the text of the message rows on screen, in order. */
  texts() {
    return this.page.locator('.rows li .text').allTextContents();
  }

  async shot(name) {
    if (SHOTS) {
      await this.page.screenshot({ path: join(SHOTS, `${name}.png`) });
    }
  }
}

/** customerTexts is what a customer's client holds of a conversation: texts, no events. */
export function customerTexts(c, topic) {
  return c.messagesNow(topic).filter((m) => m.head.event === undefined).map((m) => String(m.content));
}
