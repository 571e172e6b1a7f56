// A one-to-one chat page on the Parley SDK: sign in once (the token is kept
// for the next visit), then messages show at once when sent and keep their
// order; unsent messages survive a reload (they wait in IndexedDB).
//
// Build: npx esbuild examples/chat.ts --bundle --format=esm --outfile=examples/chat.js
// Serve examples/ from any static server and open chat.html?host=127.0.0.1:6060
// (add &format=protobuf to speak the parley-protobuf subprotocol).

import { Client, type Message } from '../src/index.js';

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const query = new URLSearchParams(location.search);
const host = query.get('host') ?? location.host;
const client = new Client({ host, format: query.get('format') === 'protobuf' ? 'protobuf' : 'json' });
(globalThis as { parley?: Client }).parley = client; // for the browser console

client.state$.subscribe((s) => ($('#state').textContent = s.state + (s.transport ? ` (${s.transport})` : '')));

function render(messages: readonly Message[], peer: string): void {
  $('#log').replaceChildren(...messages.map((m) => {
    const li = document.createElement('li');
    li.className = m.own ? 'own' : '';
    li.dataset.status = m.status;
    li.textContent = typeof m.content === 'string' ? m.content : JSON.stringify(m.content);
    const tick = document.createElement('small');
    tick.textContent = m.status;
    li.append(tick);
    return li;
  }));
  const last = messages.at(-1);
  if (last && !last.own && last.seq) {
    client.noteRead(peer, last.seq);
  }
}

async function open(peer: string): Promise<void> {
  $('#signin').hidden = true;
  $('#chat').hidden = false;
  $('#me').textContent = client.userId;
  await client.join(peer);
  client.messages(peer).subscribe((list) => render(list, peer));
  $('#compose').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $<HTMLInputElement>('#text');
    if (input.value.trim()) {
      client.send(peer, input.value); // on screen now; the network follows
    }
    input.value = '';
  });
  document.body.dataset.ready = '1';
}

const connected = client.connect();
const saved = JSON.parse(localStorage.getItem('parley-example') ?? 'null') as { token: string; peer: string } | null;
if (saved) {
  await connected;
  await client.loginToken(saved.token);
  await open(saved.peer);
} else {
  $('#signin').addEventListener('submit', async (e) => {
    e.preventDefault();
    await connected;
    await client.login($<HTMLInputElement>('#login').value, $<HTMLInputElement>('#password').value);
    const peer = $<HTMLInputElement>('#peer').value.trim();
    localStorage.setItem('parley-example', JSON.stringify({ token: client.token, peer }));
    await open(peer);
  });
  document.body.dataset.ready = 'signin';
}
