// The customer widget in Chromium against a real `parley serve` (started by
// widget_test.go): a visitor on /widget/ queued, routed to an agent (the
// TypeScript SDK under Node), chatting both ways with typing, read ticks,
// robot suggestions, a file, a private note that never shows, a reload in
// the middle, five messages sent offline, a close and a new conversation;
// the page in Chinese on a phone;
// and a merchant's page on another origin embedding embed.js with a JWT
// callback, its unread badge, and the same customer id on the server; a
// team with a robot: "Talk to a person" when its answer comes late, and
// after a reopen.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launch, open, shot, texts } from './browser.mjs';
import { admin, Agent, BASE, eventually, merchantSite, PASSWORD, sdkClient, signJwt } from './harness.mjs';

const RUN = Date.now().toString(36).slice(-5);
let browser;
let ann;

before(async () => {
  await admin('POST', 'teams', { name: 'sales' });
  await admin('POST', 'teams', { name: 'help' });
  await admin('PUT', 'faq/help', [{ question: 'How do I return an item?', answer: 'From Orders > Return.',
    keywords: ['return'] }]);
  await admin('POST', 'staff', { login: `ann${RUN}`, password: PASSWORD, role: 'agent', teams: ['sales', 'help'],
    capacity: 5 });
  browser = await launch();
});

after(async () => {
  ann?.close();
  await browser?.close();
});

/** unnamedControls lists the page's controls that have no accessible name. */
function unnamedControls(page) {
  return page.evaluate(() => [...document.querySelectorAll('button, input, textarea, a, [tabindex="0"]')]
    .filter((el) => !(el.getAttribute('aria-label') || el.textContent?.trim() || el.getAttribute('title') ||
      el.querySelector('img[alt]')))
    .map((el) => el.outerHTML.slice(0, 80)));
}

/** bothSidesAgree waits until the page and the agent show the same texts, each of want once. */
async function bothSidesAgree(page, topic, want) {
  return eventually('the page and the agent agree', async () => {
    const shown = await texts(page);
    const agent = ann.texts(topic);
    assert.deepEqual(shown, agent);
    for (const w of want) {
      assert.equal(shown.filter((s) => s === w).length, 1, `"${w}" once in ${JSON.stringify(shown)}`);
    }
    return shown;
  });
}

describe('the widget page', () => {
  let page;
  let context;
  let topic;

  it('queues a visitor, shows the place, and routes them to the agent who comes online', async () => {
    ({ page, context } = await open(browser, `${BASE}/widget/?team=sales&lang=en`));
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    const human = page.getByRole('button', { name: 'Talk to a person' });
    if (await human.isVisible()) {
      await human.click();
    }
    await page.locator('.pw-queue', { hasText: 'next in line' }).waitFor();
    await shot(page, '1-queued');
    ann = await Agent.online(`ann${RUN}`);
    topic = await ann.newest();
    await page.locator('li.pw-event[data-event="assigned"]').waitFor();
    await eventually('the queue place is gone', async () =>
      assert.equal(await page.locator('.pw-queue').textContent(), ''));
    assert.deepEqual(await unnamedControls(page), []);
  });

  it('chats both ways from the keyboard, with typing and read ticks', async () => {
    for (let i = 0; i < 12; i++) {
      if (await page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Message')) break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('hello from the widget');
    await eventually('the agent sees typing', () => assert.ok(ann.typing.some((t) => t.topic === topic)));
    await page.keyboard.press('Enter');
    await eventually('the agent has it', () => assert.deepEqual(ann.texts(topic), ['hello from the widget']));
    ann.c.noteTyping(topic);
    await page.locator('.pw-typing', { hasText: 'Typing' }).waitFor();
    ann.c.send(topic, 'Hello, how can I help?');
    await page.locator('li.pw-their', { hasText: 'how can I help' }).waitFor();
    await eventually('typing cleared by the message', async () =>
      assert.equal(await page.locator('.pw-typing').textContent(), ''));
    const theirs = ann.c.messagesNow(topic).filter((m) => !m.own && m.seq > 0).at(-1);
    ann.c.noteRead(topic, theirs.seq);
    await page.locator('li.pw-own[data-status="read"]').waitFor();
    await eventually('the customer read the answer', () => assert.equal(
      ann.c.messagesNow(topic).find((m) => m.content === 'Hello, how can I help?')?.status, 'read'));
    await shot(page, '2-chat');
  });

  it('taps a robot suggestion, which sends its text', async () => {
    ann.c.send(topic, 'What is it about?', { type: 'robot', suggestions: ['Where is my order?', 'A refund'] });
    await page.getByRole('button', { name: 'Where is my order?' }).click();
    await eventually('the agent has the suggestion', () => assert.equal(ann.texts(topic).at(-1), 'Where is my order?'));
  });

  it('never shows a private note', async () => {
    await ann.c.service.note(topic, 'VIP customer, be generous');
    ann.c.send(topic, 'Let me check.');
    await page.locator('li.pw-their', { hasText: 'Let me check.' }).waitFor();
    assert.ok(!(await page.content()).includes('VIP customer'));
  });

  it('sends a file', async () => {
    await page.locator('input[type=file]').setInputFiles({ name: 'receipt.txt', mimeType: 'text/plain',
      buffer: Buffer.from('paid 12.50') });
    await page.locator('li.pw-own a.pw-file', { hasText: 'receipt.txt' }).waitFor();
    await eventually('the agent has the file', () => assert.ok(ann.c.messagesNow(topic).some((m) =>
      m.seq > 0 && JSON.stringify(m.content).includes('receipt.txt'))));
  });

  it('loses and doubles nothing across a reload in the middle', async () => {
    const box = page.getByRole('textbox', { name: 'Message' });
    for (const s of ['before reload 1', 'before reload 2', 'before reload 3']) {
      await box.fill(s);
      await box.press('Enter');
    }
    const reload = page.reload();
    ann.c.send(topic, 'during reload 1');
    ann.c.send(topic, 'during reload 2');
    await reload;
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await bothSidesAgree(page, topic, ['hello from the widget', 'before reload 1', 'before reload 2',
      'before reload 3', 'during reload 1', 'during reload 2']);
    assert.ok(!(await page.content()).includes('VIP customer'));
  });

  it('delivers five messages typed offline once each, in order, on both sides', async () => {
    await context.setOffline(true);
    await page.locator('.pw-banner', { hasText: 'Reconnecting' }).waitFor();
    const box = page.getByRole('textbox', { name: 'Message' });
    const five = [1, 2, 3, 4, 5].map((i) => `offline ${i}`);
    for (const s of five) {
      await box.fill(s);
      await box.press('Enter');
    }
    assert.deepEqual((await texts(page)).slice(-5), five); // on screen at once
    await shot(page, '3-offline');
    await context.setOffline(false);
    await page.locator('.pw-banner').waitFor({ state: 'hidden' });
    const shown = await bothSidesAgree(page, topic, five);
    assert.deepEqual(shown.slice(-5), five);
    await eventually('all five sent', async () =>
      assert.equal(await page.locator('li.pw-own[data-status="sending"]').count(), 0));
  });

  it('shows the close, and starts a new conversation from "Talk to a person"', async () => {
    await ann.c.service.close(topic, 'solved');
    await page.locator('li.pw-event[data-event="closed"]').waitFor();
    const before = ann.topics.length;
    await page.getByRole('button', { name: 'Talk to a person' }).click();
    assert.equal(await ann.newest(before), topic); // the customer's one service topic, a new conversation
    await page.locator('li.pw-event[data-event="assigned"]').nth(1).waitFor();
    await page.getByRole('button', { name: 'Talk to a person' }).waitFor({ state: 'detached' });
    // Routed at once: the answer to the request came after "assigned" and must not bring the queue place back.
    await eventually('no queue place once assigned', async () =>
      assert.equal(await page.locator('.pw-queue').textContent(), ''));
    await context.close();
  });

  it('fits a phone in Chinese', async () => {
    const phone = await open(browser, `${BASE}/widget/?team=sales&lang=zh`, {
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
    });
    await phone.page.getByRole('textbox', { name: '消息' }).waitFor();
    await phone.page.getByRole('button', { name: '发送', exact: true }).waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await phone.page.locator('li.pw-event[data-event="assigned"]').waitFor();
    await eventually('no queue place once assigned', async () =>
      assert.equal(await phone.page.locator('.pw-queue').textContent(), ''));
    await shot(phone.page, '4-phone-zh');
    assert.deepEqual(phone.problems, []);
    await phone.context.close();
  });
});

describe('embed.js on a merchant page', () => {
  it('logs the customer in with the JWT callback, badges unread messages, opens the chat', async () => {
    const customer = { sub: `shop-customer-${RUN}`, name: 'Mei' };
    const site = await merchantSite(customer);
    const before = ann.topics.length;
    const shop = await open(browser, site.url);
    try {
      const launcher = shop.page.locator('#parley-widget button.launcher');
      await launcher.waitFor();
      const frame = shop.page.frameLocator('iframe[title="Customer service chat"]');
      await frame.locator('main').waitFor({ state: 'attached' }); // the chat has loaded behind the launcher

      // From the keyboard: Tab past the shop's link to the launcher, Enter opens the chat,
      // which opens the conversation (browsing the page queued nobody).
      assert.equal(ann.topics.length, before, 'nobody is queued before the chat is opened');
      const launcherFocused = () => shop.page.evaluate(() =>
        document.activeElement?.shadowRoot?.activeElement?.classList.contains('launcher') === true);
      for (let i = 0; i < 5 && !(await launcherFocused()); i++) {
        await shop.page.keyboard.press('Tab');
      }
      assert.ok(await launcherFocused(), 'Tab reaches the launcher');
      await shop.page.keyboard.press('Enter');
      const topic = await ann.newest(before);
      const box = frame.getByRole('textbox', { name: 'Message' });
      await box.fill('from the shop page');
      await box.press('Enter');

      // The message's sender is the shop's customer: the same JWT subject logs in as the same user.
      const probe = sdkClient();
      await probe.connect();
      await probe.loginJwt(signJwt({ sub: customer.sub }));
      const me = probe.userId;
      probe.close();
      await eventually('the agent has it from the shop customer', () => assert.ok(ann.c.messagesNow(topic)
        .some((m) => m.content === 'from the shop page' && m.from === me)));

      await box.press('Escape');
      await shop.page.getByRole('button', { name: 'Open chat' }).waitFor();
      assert.ok(await shop.page.locator('#parley-widget .panel').isHidden());
      assert.ok(await launcherFocused(), 'closing gives the focus back to the launcher');

      // Closed, the chat counts the answers: the badge, and the launcher's name, say so.
      ann.c.send(topic, 'Welcome back, Mei');
      await shop.page.getByRole('button', { name: 'Open chat (1 unread)' }).waitFor();
      await shot(shop.page, '5-embed-badge');
      await launcher.click();
      await frame.locator('li.pw-their', { hasText: 'Welcome back, Mei' }).waitFor();
      await shop.page.getByRole('button', { name: 'Close chat' }).first().waitFor();
      await shot(shop.page, '6-embed-open');
      await eventually('read when shown', async () => assert.equal(await shop.page.locator('#parley-widget .badge')
        .isHidden(), true));

      // A reload comes back to the same conversation, attached behind the launcher, badge at 0.
      await shop.page.reload();
      await frame.locator('li.pw-their', { hasText: 'Welcome back, Mei' }).waitFor({ state: 'attached' });
      await shop.page.getByRole('button', { name: 'Open chat' }).waitFor();
      assert.deepEqual(shop.problems, []);
    } finally {
      await shop.context.close();
      await site.close();
    }
  });
});

/**
 * answerAfterAssigned routes the page's websocket through the test and
 * holds the server's answer to the page's first conv.human until the
 * "assigned" event line has reached the page: the order a customer routed
 * at once can see, made certain. holding() counts the frames held.
 */
async function answerAfterAssigned(page) {
  let id = '';
  let held = [];
  let assigned = false;
  const state = { holding: () => held.length };
  await page.routeWebSocket(/\/v0\/channels/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (!id && String(m).includes('"conv.human"')) {
        id = JSON.parse(String(m)).action.id;
      }
      server.send(m);
    });
    server.onMessage((m) => {
      const text = String(m);
      if (id && !assigned && text.includes(`"id":"${id}"`) && text.includes('"ctrl"')) {
        held.push(text);
        return;
      }
      ws.send(m);
      if (id && !assigned && text.includes('"event":"assigned"')) {
        assigned = true;
        held.forEach((h) => ws.send(h));
        held = [];
      }
    });
  });
  return state;
}

describe('a team with a robot', () => {
  let context;
  let page;
  let problems;
  let topic;
  let human;

  before(async () => {
    context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = [];
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    human = page.getByRole('button', { name: 'Talk to a person' });
  });

  after(async () => {
    await context?.close();
  });

  it('keeps "assigned" when the answer to "Talk to a person" comes after it', async () => {
    const answers = await answerAfterAssigned(page);
    await page.goto(`${BASE}/widget/?team=help&lang=en`);
    // Ann is away: the answer says "queued", place 1. It is held until she is online and the
    // conversation's "assigned" line has reached the page, as a slow answer would arrive.
    await ann.c.service.setStatus('away');
    const before = ann.topics.length;
    await human.click();
    await eventually('the answer is held', () => assert.equal(answers.holding(), 1));
    await ann.c.service.setStatus('online');
    topic = await ann.newest(before);
    await page.locator('li.pw-event[data-event="assigned"]').waitFor();
    // A typing note sent after both has been shown, so the answer has been applied too: it must
    // not have brought the queue place back. (A note, not a message: a new message makes the page
    // read the event lines again, which hid the bug.)
    await eventually('the agent has joined', () => assert.ok(ann.c.messagesNow(topic).length > 0));
    ann.c.noteTyping(topic);
    await page.locator('.pw-typing', { hasText: 'Typing' }).waitFor();
    assert.equal(await page.locator('.pw-queue').textContent(), '');
    await human.waitFor({ state: 'detached' });
  });

  it('after a reopen, "Talk to a person" hands the same conversation to an agent', async () => {
    await ann.c.service.close(topic, 'solved');
    await page.locator('li.pw-event[data-event="closed"]').waitFor();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('one more question');
    await box.press('Enter');
    await page.locator('li.pw-event[data-event="reopened"]').waitFor();
    // Reopened with the robot: the customer can ask for a person, and that hands this conversation off.
    const before = ann.topics.length;
    await human.click();
    assert.equal(await ann.newest(before), topic);
    await page.locator('li.pw-event[data-event="assigned"]').nth(1).waitFor();
    await human.waitFor({ state: 'detached' });
    await eventually('no queue place once assigned', async () =>
      assert.equal(await page.locator('.pw-queue').textContent(), ''));
    await shot(page, '7-reopened-human');
    assert.deepEqual(problems, []);
  });
});
