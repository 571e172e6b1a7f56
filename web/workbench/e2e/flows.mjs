// The workbench in Chromium against a real `parley serve` (started by
// test/workbench's Go test, which passes PARLEY_ADDR and PARLEY_ADMIN_TOKEN):
// two agents in separate browser contexts and a supervisor in Chinese; the
// customers are TypeScript SDK clients. Route, chat both ways, a private note
// that never reaches the customer, a reload in the middle of sending, five
// messages sent while offline, transfer, close and reopen.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Client } from '@parley-im/sdk';
import { Agent, ADDR, PASSWORD, admin, customer, customerTexts, launch, staff, waitFor } from './harness.mjs';

const run = Date.now().toString(36).slice(-5);
let browser;
let ann;
let bob;
let bobUser;
let cust;
const customers = [];

before(async () => {
  await admin('POST', 'teams', { name: 'sales' });
  await staff(`ann${run}`, 'agent', ['sales'], 3);
  bobUser = await staff(`bob${run}`, 'agent', ['sales'], 3);
  await staff(`sue${run}`, 'supervisor', ['sales'], 3);
  // Ann's personal quick reply, saved through the SDK before her page loads them.
  const c = new Client({ host: ADDR, WebSocket, storage: false });
  await c.connect();
  await c.login(`ann${run}`, PASSWORD);
  await c.service.saveReply('thanks', 'Thank you for waiting!');
  c.close();
  browser = await launch();
});

after(async () => {
  customers.forEach((c) => c.close());
  for (const a of [ann, bob]) {
    if (a?.errors.length) {
      console.log(`${a.name}'s page errors:\n${a.errors.join('\n')}`);
    }
  }
  await browser?.close();
});

test('an agent signs in, a customer is routed to her, they chat both ways', async () => {
  ann = await Agent.open(browser, 'ann');
  await ann.shot('01-sign-in');
  await ann.signIn(`ann${run}`);
  cust = await customer('Alice');
  customers.push(cust.client);
  // The agent's typing notifications, from the first (the composer sends one every 3 s at most).
  const typing = [];
  const sub = cust.client.typing$.subscribe((x) => x.from !== cust.client.userId && typing.push(x.topic));
  await ann.openConversation(cust.topic);
  // The queueing and the assignment are event lines of the conversation.
  await waitFor(async () => (await ann.page.locator('.event').count()) >= 2, 'the queued and assigned event lines');

  cust.client.send(cust.topic, 'my order is late');
  await ann.page.getByRole('list', { name: /^(Messages|消息列表)$/ }).getByRole('listitem').filter({ hasText: 'my order is late' }).waitFor();
  // The customer's name from the public card: in the panel (an unverified visitor), on the row, on the bubble.
  const panel = ann.page.getByRole('complementary', { name: 'Customer' });
  await panel.getByText('Alice', { exact: true }).waitFor();
  await panel.getByText('Unverified visitor').waitFor();
  await ann.page.getByRole('button', { name: new RegExp(`^${cust.topic}.*, Alice$`) }).waitFor();
  await ann.page.locator('.bubble.other .who').filter({ hasText: 'Alice' }).first().waitFor();
  await ann.say('Hello, how can I help?');
  await waitFor(() => customerTexts(cust.client, cust.topic).includes('Hello, how can I help?'), 'the customer to get the answer');
  // The own message's tick reaches delivered or read.
  await waitFor(async () => {
    const st = await ann.page.locator('.bubble.own .tick').last().getAttribute('data-status');
    return st === 'delivered' || st === 'read';
  }, 'the answer to be delivered');
  // A quick reply: "/" and the key, Enter picks it, Enter sends it.
  const box = ann.page.getByRole('textbox', { name: 'Message', exact: true });
  await box.fill('/than');
  await ann.page.getByRole('listbox', { name: 'Quick replies' }).getByRole('option', { name: /Thank you for waiting/ }).waitFor();
  await box.press('Enter');
  await box.press('Enter');
  await waitFor(() => customerTexts(cust.client, cust.topic).includes('Thank you for waiting!'), 'the quick reply to reach the customer');
  // A label.
  await ann.page.getByLabel('Add label').fill('refund');
  await ann.page.getByRole('button', { name: 'Add label' }).click();
  await ann.page.getByRole('button', { name: 'Remove label refund' }).waitFor();
  // Read receipts: the customer reads the answer, the tick turns read.
  const answer = cust.client.messagesNow(cust.topic).find((m) => m.content === 'Hello, how can I help?');
  cust.client.noteRead(cust.topic, answer.seq);
  await ann.page.locator('.bubble.own .tick[data-status="read"]').first().waitFor();
  // Typing both ways.
  cust.client.noteTyping(cust.topic);
  await ann.page.locator('.typing', { hasText: 'is typing' }).waitFor();
  await ann.page.getByRole('textbox', { name: 'Message', exact: true }).pressSequentially('Let me', { delay: 20 });
  await waitFor(() => typing.includes(cust.topic), 'the customer to see the agent typing');
  sub.unsubscribe();
  await ann.page.getByRole('textbox', { name: 'Message', exact: true }).fill('');
  await ann.shot('02-chat');
});

test('a private note never reaches the customer', async () => {
  await ann.page.getByRole('tab', { name: 'Private note' }).click();
  await ann.say('returning customer, be nice');
  await ann.page.locator('.bubble.note .tick[data-status="sent"], .bubble.note .tick[data-status="delivered"], .bubble.note .tick[data-status="read"]').first().waitFor();
  await ann.page.getByRole('tab', { name: 'Reply' }).click();
  await ann.say('after the note');
  // The note was stored before this reply; once the customer has the reply,
  // a note sent to them would have arrived already.
  await waitFor(() => customerTexts(cust.client, cust.topic).includes('after the note'), 'the customer to get the reply after the note');
  assert.ok(!customerTexts(cust.client, cust.topic).includes('returning customer, be nice'), 'the customer got the private note');
  assert.ok(cust.client.messagesNow(cust.topic).every((m) => !m.private));
  await ann.shot('03-private-note');
});

test('the paper clip sends a file, shown in the pane and received by the customer', async () => {
  const chooser = ann.page.waitForEvent('filechooser');
  await ann.page.getByRole('button', { name: 'Attach a file' }).click();
  await (await chooser).setFiles({ name: 'invoice.txt', mimeType: 'text/plain', buffer: Buffer.from('order 42: 3 items') });
  const item = ann.page.getByRole('list', { name: /^(Messages|消息列表)$/ }).getByRole('listitem').filter({ hasText: 'invoice.txt' });
  await item.waitFor();
  // Once uploaded, the pane's link points at the stored file.
  await waitFor(async () => ((await item.getByRole('link').getAttribute('href')) ?? '') !== '', 'the file link to have its address');
  await waitFor(() => cust.client.messagesNow(cust.topic).some((m) => (m.content?.ent ?? [])
    .some((e) => e.data?.name === 'invoice.txt' && e.data?.ref)), 'the customer to get the file');
});

test('a reload in the middle of sending loses and doubles nothing', async () => {
  const sent = ['r1', 'r2', 'r3'];
  for (const s of sent) {
    await ann.say(s);
  }
  // Reload as soon as the last is on screen: sent or not, it is in the outbox
  // (IndexedDB), which the SDK documents as lost only within the milliseconds
  // of its commit.
  await ann.page.locator('.rows .text', { hasText: /^r3$/ }).waitFor();
  await ann.page.reload();
  await ann.page.getByRole('radiogroup').waitFor();
  await ann.openConversation(cust.topic);
  await waitFor(() => sent.every((s) => customerTexts(cust.client, cust.topic).includes(s)), 'the customer to get r1..r3');
  await waitFor(async () => (await ann.texts()).filter((x) => sent.includes(x)).length === 3, 'ann to see r1..r3');
  assert.deepEqual(customerTexts(cust.client, cust.topic).filter((x) => sent.includes(x)), sent);
  assert.deepEqual((await ann.texts()).filter((x) => sent.includes(x)), sent);
});

test('offline, five messages, back online: each delivered once, in order, on both screens', async () => {
  const five = ['o1', 'o2', 'o3', 'o4', 'o5'];
  await ann.context.setOffline(true);
  await ann.page.getByRole('status').filter({ hasText: /reconnecting/i }).waitFor();
  for (const s of five) {
    await ann.say(s);
  }
  assert.deepEqual((await ann.texts()).filter((x) => five.includes(x)), five, 'shown at once, offline');
  await ann.shot('04-offline');
  await ann.context.setOffline(false);
  await waitFor(async () => (await ann.page.locator('.banner').textContent()) === '', 'the reconnect banner to clear');
  await waitFor(() => five.every((s) => customerTexts(cust.client, cust.topic).includes(s)), 'the customer to get o1..o5');
  await waitFor(async () => {
    const st = await ann.page.locator('.bubble.own .tick').last().getAttribute('data-status');
    return st !== 'sending';
  }, 'the last offline message to be confirmed');
  assert.deepEqual(customerTexts(cust.client, cust.topic).filter((x) => five.includes(x)), five);
  assert.deepEqual((await ann.texts()).filter((x) => five.includes(x)), five);
});

test('transfer to a colleague, who answers; close; the customer writes again and it reopens', async () => {
  bob = await Agent.open(browser, 'bob');
  await bob.signIn(`bob${run}`);
  await ann.page.getByLabel('Transfer to (usr… or team:NAME)').fill(bobUser);
  await ann.page.getByRole('button', { name: 'Transfer', exact: true }).click();
  await bob.openConversation(cust.topic);
  // Bob sees the history, then answers.
  await bob.page.getByRole('list', { name: /^(Messages|消息列表)$/ }).getByRole('listitem').filter({ hasText: 'my order is late' }).waitFor();
  await bob.say('Bob here, I will check');
  await waitFor(() => customerTexts(cust.client, cust.topic).includes('Bob here, I will check'), 'the customer to get bob\'s answer');
  await waitFor(async () => (await ann.row(cust.topic).count()) === 0, 'the conversation to leave ann\'s list');
  await bob.shot('05-transferred');

  await bob.page.getByRole('button', { name: 'Close conversation' }).click();
  await waitFor(() => cust.client.messagesNow(cust.topic).some((m) => m.head.event === 'closed'), 'the customer to see the close');

  cust.client.send(cust.topic, 'one more question');
  await waitFor(() => cust.client.messagesNow(cust.topic).some((m) => m.head.event === 'reopened'), 'the conversation to reopen');
  // Reopened conversations are routed again: one of the two agents has it.
  const holder = await waitFor(async () => {
    for (const a of [ann, bob]) {
      if (await a.row(cust.topic).count()) {
        return a;
      }
    }
    return undefined;
  }, 'an agent to get the reopened conversation');
  await holder.openConversation(cust.topic);
  await holder.page.getByRole('list', { name: /^(Messages|消息列表)$/ }).getByRole('listitem').filter({ hasText: 'one more question' }).waitFor();
  await holder.say('welcome back');
  await waitFor(() => customerTexts(cust.client, cust.topic).includes('welcome back'), 'the customer to get the answer after reopening');
  await holder.shot('06-reopened');
});

test('the supervisor, in Chinese, sees the desk and the charts', async () => {
  const sue = await Agent.open(browser, 'sue', 'zh-CN');
  await sue.signIn(`sue${run}`, { login: '账号', password: '密码', button: '登录' });
  await sue.page.getByRole('button', { name: '主管' }).click();
  await sue.page.getByRole('img', { name: /等待时长/ }).waitFor();
  await sue.page.getByRole('cell', { name: bobUser }).waitFor();
  await sue.shot('07-supervisor');
  await sue.page.getByRole('button', { name: '工作台' }).click();
  await sue.page.getByRole('tab', { name: '全部' }).click();
  await sue.openConversation(cust.topic);
  // The textbox's accessible name follows the language.
  await sue.page.getByRole('textbox', { name: '消息', exact: true }).waitFor();
  await sue.page.getByRole('list', { name: /^(Messages|消息列表)$/ }).getByRole('listitem').filter({ hasText: 'welcome back' }).waitFor();
  await sue.shot('08-supervisor-conversation');
  await sue.context.close();
});
