// The whole desk in Chromium against one real `parley serve` (started by
// desk_test.go, which also imported the team's FAQ and the policy's words
// with `parley admin`): a customer in the widget and two agents in the
// workbench, each in a browser context of their own. The robot answers from
// the FAQ, the customer asks for a person and is routed to ann (bob is
// busy); they chat both ways with typing and read ticks; ann's private note
// never reaches the customer's page; a blocked word stays with the customer
// and a masked one is masked for everyone; reloads of both pages lose and
// double nothing; ann sends five messages offline; ann transfers to bob, who
// answers and closes, and the customer's next message reopens.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, ADDR, launch, staff, waitFor } from '../../web/workbench/e2e/harness.mjs';
import { open, texts as widgetTexts } from '../../web/widget/test/browser.mjs';
import { eventually } from '../../web/widget/test/harness.mjs';

const RUN = Date.now().toString(36).slice(-5);
const BLOCKED = process.env.BLOCKED_WORD ?? '';
const MASKED = process.env.MASKED_WORD ?? '';

let browser;
let ann;
let bob;
let bobUser;
let cust; // { context, page, problems }
let topic;
const frames = []; // every WebSocket frame the customer's page received, across reloads

before(async () => {
  await staff(`ann${RUN}`, 'agent', ['sales'], 3);
  bobUser = await staff(`bob${RUN}`, 'agent', ['sales'], 1);
  browser = await launch();
});

after(async () => {
  for (const a of [ann, bob]) {
    if (a?.errors.length) {
      console.log(`${a.name}'s page errors:\n${a.errors.join('\n')}`);
    }
  }
  if (cust?.problems.length) {
    console.log(`the customer's page errors:\n${cust.problems.join('\n')}`);
  }
  await browser?.close();
});

/** shot saves a screenshot of page into PARLEY_DESK_SHOTS. */
async function shot(page, name) {
  if (process.env.PARLEY_DESK_SHOTS) {
    await page.screenshot({ path: join(process.env.PARLEY_DESK_SHOTS, `${name}.png`) });
  }
}

let failed = false;

/**
 * step is one test of the scenario: each builds on the ones before, so after
 * a failure the rest are skipped, and every page's screen is saved.
 */
function step(name, fn) {
  test(name, async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn();
    } catch (err) {
      failed = true;
      for (const [who, page] of [['customer', cust?.page], ['ann', ann?.page], ['bob', bob?.page]]) {
        await (page && shot(page, `failed-${who}`).catch(() => undefined));
      }
      throw err;
    }
  });
}

/** count is how many of list's items are exactly text. */
const count = (list, text) => list.filter((x) => x === text).length;

/** customerSays types text in the widget's Message box and sends it. */
async function customerSays(text) {
  const box = cust.page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/**
 * typeUntilSeen types into box, a key at a time, until the other side's
 * indicator shows: both apps send a typing note at most every few seconds,
 * so the first keys may fall in the quiet time after an earlier note.
 */
async function typeUntilSeen(box, indicator, what) {
  await waitFor(async () => {
    await box.press('x');
    return indicator.isVisible();
  }, what);
}

/** onceEach waits until both screens show each of want exactly once, in that order. */
async function onceEach(agent, want, what) {
  await eventually(what, async () => {
    const mine = await widgetTexts(cust.page);
    const theirs = await agent.texts();
    assert.deepEqual(mine.filter((x) => want.includes(x)), want, "on the customer's page");
    assert.deepEqual(theirs.filter((x) => want.includes(x)), want, `on ${agent.name}'s page`);
  });
}

step('the robot answers from the FAQ; "talk to a person" routes to ann while bob is busy', async () => {
  ann = await Agent.open(browser, 'ann');
  await ann.signIn(`ann${RUN}`);
  bob = await Agent.open(browser, 'bob');
  await bob.signIn(`bob${RUN}`);
  await bob.page.getByRole('radio', { name: 'Busy' }).click();
  await bob.page.locator('[role=radio][aria-checked=true]', { hasText: 'Busy' }).waitFor();

  cust = await open(browser, `http://${ADDR}/widget/?team=sales&lang=en`);
  cust.page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await customerSays('how do I return an item');
  await cust.page.locator('li.pw-robot', { hasText: 'within 30 days' }).waitFor();
  const suggestions = cust.page.getByRole('group', { name: 'Suggested questions' }).getByRole('button');
  await suggestions.first().waitFor();
  assert.ok((await suggestions.count()) >= 1, 'the answer comes with suggestions');
  await shot(cust.page, '01-robot-answer');

  await cust.page.getByRole('button', { name: 'Talk to a person' }).click();
  const row = ann.page.locator('[data-topic]').first();
  await row.waitFor();
  topic = await row.getAttribute('data-topic');
  await cust.page.locator('li.pw-event[data-event="assigned"]').waitFor();
  assert.equal(await bob.row(topic).count(), 0, 'the busy agent got the conversation');
  await ann.openConversation(topic);
  await ann.page.locator('.rows li .text').filter({ hasText: /^how do I return an item$/ }).waitFor();
  await shot(ann.page, '02-ann-routed');
});

step('chat both ways with typing indicators and read ticks', async () => {
  const box = cust.page.getByRole('textbox', { name: 'Message', exact: true });
  await typeUntilSeen(box, ann.page.locator('.typing', { hasText: 'is typing' }), 'ann to see the customer typing');
  await box.fill('my parcel is damaged');
  await box.press('Enter');
  await ann.page.locator('.rows li .text', { hasText: 'my parcel is damaged' }).waitFor();
  // Ann has the conversation open: the customer's message turns read.
  await cust.page.locator('li.pw-own[data-status="read"]', { hasText: 'my parcel is damaged' }).waitFor();

  await typeUntilSeen(ann.page.getByRole('textbox', { name: 'Message', exact: true }),
    cust.page.locator('.pw-typing', { hasText: 'Typing' }), 'the customer to see ann typing');
  await ann.say('Sorry to hear that, I will help');
  await cust.page.locator('li.pw-their', { hasText: 'Sorry to hear that, I will help' }).waitFor();
  // The widget is open and shows it: ann's tick turns read.
  await ann.page.locator('.bubble.own .tick[data-status="read"]').last().waitFor();
  await shot(cust.page, '03-customer-chat');
  await shot(ann.page, '04-ann-chat');
});

step('a private note never reaches the customer\'s page', async () => {
  const note = 'customer is a regular, refund freely';
  await ann.page.getByRole('tab', { name: 'Private note' }).click();
  await ann.say(note);
  await ann.page.locator('.bubble.note', { hasText: note }).waitFor();
  await ann.page.getByRole('tab', { name: 'Reply' }).click();
  await ann.say('after the note');
  // The note was stored before the reply: once the reply is on the page, a leaked note would be too.
  await cust.page.locator('li.pw-their', { hasText: 'after the note' }).waitFor();
  assert.ok(!(await cust.page.content()).includes(note), 'the note is in the customer\'s DOM');
  assert.ok(!frames.some((f) => f.includes(note)), 'the note is in a frame the customer\'s page received');
  assert.ok(frames.some((f) => f.includes('after the note')), 'the frames are recorded');
  await shot(ann.page, '05-ann-private-note');
});

step('a blocked word stays with the customer; a masked word is masked for everyone', async () => {
  const blocked = `visit ${BLOCKED} now`;
  await customerSays(blocked);
  await cust.page.locator('li.pw-own[data-status="blocked"]', { hasText: blocked }).waitFor();
  const masked = `this ${MASKED} parcel`;
  const stars = `this ${'*'.repeat(MASKED.length)} parcel`;
  await customerSays(masked);
  await ann.page.locator('.rows li .text', { hasText: stars }).waitFor();
  await cust.page.locator('li.pw-own .pw-text', { hasText: stars }).waitFor();
  await ann.say(`no ${MASKED} worries`);
  await cust.page.locator('li.pw-their', { hasText: `no ${'*'.repeat(MASKED.length)} worries` }).waitFor();
  // The masked message came after the blocked one: ann would have the blocked one by now.
  assert.ok(!(await ann.page.content()).includes(BLOCKED), 'ann\'s page shows the blocked word');
  assert.ok(!(await ann.page.content()).includes(masked), 'ann\'s page shows the unmasked word');
  assert.ok(!(await cust.page.content()).includes(`no ${MASKED} worries`), 'the customer sees ann\'s word unmasked');
  await shot(cust.page, '06-customer-blocked-masked');
  await shot(ann.page, '07-ann-masked');
});

step('reloads of the customer\'s and the agent\'s pages lose and double nothing', async () => {
  const sent = ['reload c1', 'reload c2', 'reload c3'];
  for (const s of sent) {
    await customerSays(s);
  }
  const reload = cust.page.reload();
  await ann.say('reload a1');
  await reload;
  await ann.say('reload a2');
  await onceEach(ann, [...sent, 'reload a1', 'reload a2'], 'after the customer\'s reload');

  await ann.say('reload a3');
  await ann.page.reload();
  await customerSays('reload c4');
  await ann.page.getByRole('radiogroup').waitFor();
  await ann.openConversation(topic);
  await onceEach(ann, [...sent, 'reload a1', 'reload a2', 'reload a3', 'reload c4'], 'after ann\'s reload');
  await shot(ann.page, '08-ann-after-reloads');
});

step('ann offline sends five; back online, each is delivered once, in order, on both screens', async () => {
  const five = ['off 1', 'off 2', 'off 3', 'off 4', 'off 5'];
  await ann.context.setOffline(true);
  await ann.page.getByRole('status').filter({ hasText: /reconnecting/i }).waitFor();
  for (const s of five) {
    await ann.say(s);
  }
  await shot(ann.page, '09-ann-offline');
  await ann.context.setOffline(false);
  await onceEach(ann, five, 'the five sent offline');
  await waitFor(async () => (await ann.page.locator('.bubble.own .tick[data-status="sending"]').count()) === 0,
    'the five to be confirmed');
  await shot(cust.page, '10-customer-after-offline');
});

step('ann transfers to bob; bob answers and closes; the customer writes again and it reopens', async () => {
  await bob.page.getByRole('radio', { name: 'Online' }).click();
  await bob.page.locator('[role=radio][aria-checked=true]', { hasText: 'Online' }).waitFor();
  await ann.page.getByLabel('Transfer to (usr… or team:NAME)').fill(bobUser);
  await ann.page.getByRole('button', { name: 'Transfer', exact: true }).click();
  await bob.openConversation(topic);
  await bob.page.locator('.rows li .text', { hasText: 'off 5' }).waitFor();
  await bob.say('Bob here, taking over');
  await cust.page.locator('li.pw-their', { hasText: 'Bob here, taking over' }).waitFor();
  await waitFor(async () => (await ann.row(topic).count()) === 0, 'the conversation to leave ann\'s list');
  await shot(bob.page, '11-bob-transferred');

  await bob.page.getByRole('button', { name: 'Close conversation' }).click();
  await cust.page.locator('li.pw-event[data-event="closed"]').waitFor();
  await shot(cust.page, '12-customer-closed');
  await customerSays('one more question please');
  await cust.page.locator('li.pw-event[data-event="reopened"]').waitFor();
  assert.equal(count(await widgetTexts(cust.page), 'one more question please'), 1);
  // The reopened conversation starts with the robot again; "Talk to a person" routes it anew.
  await cust.page.getByRole('button', { name: 'Talk to a person' }).click();
  const holder = await waitFor(async () => {
    for (const a of [ann, bob]) {
      if (await a.row(topic).count()) {
        return a;
      }
    }
    return undefined;
  }, 'an agent to get the reopened conversation');
  await holder.openConversation(topic);
  await holder.page.locator('.rows li .text').filter({ hasText: /^one more question please$/ }).waitFor();
  await holder.say('welcome back');
  await cust.page.locator('li.pw-their', { hasText: 'welcome back' }).waitFor();
  await shot(cust.page, '13-customer-reopened');
});
