// What the widget's browser test needs around the browser: the server's
// admin API, agents driven by the TypeScript SDK under Node, a merchant's
// backend that signs customer JWTs, a merchant page on another origin, and
// polling with a deadline.

import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { Client } from '../../sdk/dist/index.js';

export const ADDR = process.env.PARLEY_ADDR ?? '';
export const ADMIN_TOKEN = process.env.PARLEY_ADMIN_TOKEN ?? '';
export const JWT_KEY = process.env.WIDGET_JWT_KEY ?? '';
export const PASSWORD = 'pass123';
export const BASE = `http://${ADDR}`;

/** timeout is how long one step may take on a busy shared machine; a step that works is far under it. */
export const timeout = 20_000;

/** eventually calls check until it returns without throwing, and throws its last error after ms. */
export async function eventually(what, check, ms = timeout) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: ${err.message}`);
      }
    }
    await sleep(50); // the polling interval, not a wait for an event
  }
}

/** admin calls the admin API and returns its JSON answer. */
export async function admin(method, path, body) {
  const res = await fetch(`${BASE}/v0/admin/${path}`, {
    method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  }
  return JSON.parse(text);
}

/** sdkClient is a TypeScript SDK client under Node (memory storage, quick reconnects). */
export function sdkClient() {
  return new Client({ host: ADDR, WebSocket, storage: false, backoffBaseMs: 50, backoffMaxMs: 500 });
}

/**
 * Agent is a staff member at their desk: logged in, hearing assignments on
 * me, joining each assigned conversation.
 */
export class Agent {
  static async online(login) {
    const a = new Agent(sdkClient());
    await a.c.connect();
    await a.c.login(login, PASSWORD);
    await a.c.join('me');
    a.c.service.assigned$.subscribe((topic) => {
      a.topics.push(topic);
      void a.c.join(topic);
    });
    a.c.typing$.subscribe((t) => a.typing.push(t));
    await a.c.service.setStatus('online');
    return a;
  }

  constructor(c) {
    this.c = c;
    this.topics = [];
    this.typing = [];
  }

  /** topic waits for the newest assigned conversation. */
  async newest(after = 0) {
    return eventually('an assignment', () => {
      if (this.topics.length <= after) throw new Error(`${this.topics.length} assignments`);
      return this.topics[this.topics.length - 1];
    });
  }

  /** texts are the customer's and agent's text messages in the topic, in display order. */
  texts(topic) {
    return this.c.messagesNow(topic).filter((m) => !m.private && m.head.event === undefined && typeof m.content === 'string')
      .map((m) => m.content);
  }

  close() {
    this.c.close();
  }
}

/** signJwt signs a customer JWT as a merchant's backend would (HS256, kid "shop"). */
export function signJwt(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'shop' });
  const body = b64({ exp: Math.floor(Date.now() / 1000) + 300, ...claims });
  const sig = createHmac('sha256', JWT_KEY).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/**
 * merchantSite serves a shop's page on its own origin: the page embeds
 * /widget/embed.js from Parley with a JWT callback, and /jwt is the shop's
 * backend signing the logged-in customer's token. It resolves with the
 * page's URL and a close function.
 */
export async function merchantSite(customer) {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><h1>Tea shop</h1><a href="#tea">Green tea</a>
<script>window.shopJwt = () => fetch('/jwt').then((r) => r.text());</script>
<script src="${BASE}/widget/embed.js" data-team="sales" data-lang="en" data-jwt="shopJwt" async></script>
</body></html>`;
  const srv = createServer((req, res) => {
    if (req.url === '/jwt') {
      res.setHeader('Content-Type', 'text/plain');
      res.end(signJwt({ sub: customer.sub, name: customer.name }));
      return;
    }
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}/`, close: () => new Promise((r) => srv.close(r)) };
}
