// What a person does in Tinode's web app, as Playwright steps.
//
// Every step goes through the app's own UI, the way a user would: the server
// address and the transport are typed into the app's settings panel, accounts
// are made with its sign-up form, chats are found with its search. Selectors
// are the app's element ids where it has them, else visible text and the
// Material icon names its buttons show. Waits poll with a deadline
// (Playwright's auto-waiting, or eventually), never sleep.

import { eventually } from './wait.mjs';

// icon is the link or button that shows the Material icon name.
function icon(scope, name) {
  return scope.locator('i.material-icons', { hasText: new RegExp(`^${name}$`) });
}

// useServer opens the settings panel of the sign-in screen, types the
// server's address and picks the transport ('def', 'ws' or 'lp').
export async function useServer(page, addr, transport = 'def') {
  await icon(page.locator('#sidepanel'), 'settings').click();
  const host = page.locator('#host-name');
  await host.fill(addr);
  // Leaving the field commits it (Enter would submit the form at once).
  await page.locator(`#transport-${transport}`).check();
  await page.getByRole('button', { name: 'Update' }).click();
  await page.locator('#login-form').waitFor();
}

// signUp fills the app's sign-up form and waits for the contact list.
export async function signUp(page, login, password, fullName) {
  await icon(page.locator('#sidepanel'), 'person_add').click();
  // The app connects when the form opens and re-renders it when the
  // server's hello arrives, which can clear what was typed before.
  await expectConnected(page);
  await fillForm(page, [
    [page.getByPlaceholder('Login'), login],
    [page.getByPlaceholder('Password'), password],
    [page.getByPlaceholder('Full name, e.g. John Doe'), fullName],
    // The app asks for an email unless the server names another required
    // credential; Parley names none and keeps no credentials.
    [page.getByPlaceholder('Email, e.g. jdoe@example.com'), `${login}@example.com`],
  ]);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expectSignedIn(page);
}

// signIn fills the sign-in form and waits for the contact list. With stay,
// it ticks "Stay logged in": the app then keeps its token and a cache of
// chats and messages in IndexedDB across reloads.
export async function signIn(page, login, password, { stay = false } = {}) {
  const form = page.locator('#login-form');
  await fillForm(page, [[form.getByPlaceholder('Login'), login], [form.getByPlaceholder('Password'), password]]);
  const box = form.locator('#save-token');
  if (stay !== (await box.innerText() === 'check_box')) {
    await box.click();
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectSignedIn(page);
}

// expectConnected waits for the server's version on the app's start page,
// which it shows once the server answered its hello.
export async function expectConnected(page) {
  await page.getByText(/Server: 0\.25 /).waitFor();
}

// fillForm types each value into its field and checks they all stayed, as
// a person looks over a form before sending it. Each field is left with Tab:
// the password field reports its value only then.
async function fillForm(page, fields) {
  await eventually('filling a form', async () => {
    for (const [field, value] of fields) {
      await field.fill(value);
      await field.press('Tab');
    }
    for (const [field, value] of fields) {
      if (await field.inputValue() !== value) {
        throw new Error(`a field lost its value ${JSON.stringify(value)}`);
      }
    }
  });
}

// expectSignedIn waits for the signed-in side panel: the chat list's menu.
export async function expectSignedIn(page) {
  await icon(page.locator('#sidepanel'), 'chat').waitFor();
}

// startChatFromSearch opens "new chat", searches for login, and opens the
// result named fullName. It resolves when the chat's title shows.
export async function startChatFromSearch(page, login, fullName) {
  await icon(page.locator('#sidepanel'), 'chat').click();
  const search = page.locator('#sidepanel input.search');
  await search.fill(login);
  await search.press('Enter');
  await page.locator('#sidepanel li', { hasText: fullName }).click();
  await page.locator('#topic-title', { hasText: fullName }).waitFor();
}

// send types text into the message box and sends it with Enter. The box
// must be there: the app replaces it with a note when it thinks messaging
// is disabled, and that note is what the error names.
export async function send(page, text) {
  const input = page.locator('#send-message-input');
  const note = page.locator('#writing-disabled');
  await eventually('the message input', async () => {
    // The note may show while the chat loads; short timeouts keep the poll
    // going when it goes away between the two looks.
    const shown = await note.textContent({ timeout: 200 }).catch(() => null);
    if (shown !== null) {
      throw new Error(`the app shows "${shown}" instead of a message box`);
    }
    await input.waitFor({ timeout: 200 });
  });
  await input.fill(text);
  await input.press('Enter');
}

// openChat clicks the chat named title in the chat list.
export async function openChat(page, title) {
  await chatListItem(page, title).click();
  await page.locator('#topic-title', { hasText: title }).waitFor();
}

// chatListItem is the entry of the signed-in chat list titled title.
export function chatListItem(page, title) {
  return page.locator('#sidepanel li', { has: page.locator('.contact-title', { hasText: title }) });
}

// messages are the texts of the open chat's messages, top to bottom.
export function messages(page) {
  return page.locator('#scroller > li:is(.left, .right) .message-content').allInnerTexts();
}

// expectMessages waits until the open chat shows exactly want, in order.
export async function expectMessages(page, who, want) {
  await eventually(`${who}'s chat`, async () => {
    const got = await messages(page);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(`shows ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  });
}

// createGroup creates a group named name from the "new group" tab and
// waits until it is open.
export async function createGroup(page, name) {
  await icon(page.locator('#sidepanel'), 'chat').click();
  await page.locator('#sidepanel a[data-id="grp"]').click();
  await page.locator('#new-topic-fn').fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.locator('#topic-title', { hasText: name }).waitFor();
}

// addMember opens the open group's info panel and adds the contact named
// fullName with "Add members".
export async function addMember(page, fullName) {
  await icon(page.locator('#topic-caption-panel'), 'more_vert').click();
  await page.locator('ul.menu li', { hasText: /^Info$/ }).click();
  await page.locator('a.flat-button', { hasText: 'Add members' }).click();
  const manager = page.locator('#group-manager');
  await manager.locator('li', { hasText: fullName }).click();
  await manager.getByRole('button', { name: 'OK' }).click();
  await page.locator('#info-view li', { hasText: fullName }).waitFor();
}

// whereIsChat says where the app files the chat titled title: in the chat
// list, under "Blocked Chats" (the app's list of subscriptions without J
// in their access), or nowhere. It is for failure messages. The app shows
// the blocked list at #blocked, where its security settings link to.
export async function whereIsChat(page, title) {
  if (await chatListItem(page, title).count() > 0) {
    return 'in the chat list';
  }
  await page.evaluate(() => { window.location.hash = '#blocked'; });
  const blocked = page.locator('#sidepanel li', { hasText: title });
  const found = await blocked.waitFor({ timeout: 2_000 }).then(() => true, () => false);
  await page.evaluate(() => { window.location.hash = '#contacts'; });
  return found ? 'under "Blocked Chats"' : 'nowhere';
}

// reopen reloads the app as a person coming back would, signing in again
// if the app asks, and waits until the chat titled known is listed.
export async function reopen(page, login, password, known) {
  await page.reload();
  const form = page.locator('#login-form');
  await form.or(icon(page.locator('#sidepanel'), 'chat')).first().waitFor();
  if (await form.isVisible()) {
    await signIn(page, login, password);
  }
  await chatListItem(page, known).waitFor();
}

// expectCached waits until the app's IndexedDB cache (tinode-sdk's
// 'tinode-web' database, kept when "Stay logged in" is ticked) holds at
// least n messages. A person closing the app while it still writes its
// cache leaves a partial one, which the app then shows as the whole chat
// (it fetches older messages only on scrolling up); a flow about coming back
// waits for the cache first, so it tests what the server answers.
export async function expectCached(page, n) {
  await eventually('the app\'s message cache', async () => {
    const count = await page.evaluate(() => new Promise((resolve, reject) => {
      const req = indexedDB.open('tinode-web');
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const db = req.result;
        const tx = db.transaction('message', 'readonly');
        const c = tx.objectStore('message').count();
        c.onsuccess = () => { db.close(); resolve(c.result); };
        c.onerror = () => { db.close(); reject(c.error); };
      };
    }));
    if (count < n) {
      throw new Error(`holds ${count} messages, want ${n}`);
    }
  });
}
