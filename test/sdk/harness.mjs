// Shared setup for the tinode-sdk conformance tests: loading the SDK under
// Node, opening and closing clients, and waiting for events with deadlines.

import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { NodeXHR } from './xhr.mjs';

const require = createRequire(import.meta.url);
export const { Tinode } = require('tinode-sdk');

// The SDK needs an IndexedDB even with persist:false: its constructor calls
// deleteDatabase() and an unhandled rejection would kill Node. This stub
// answers that one call, which leaves the SDK's cache disabled.
const noDatabase = {
  deleteDatabase() {
    const req = {};
    setTimeout(() => req.onsuccess && req.onsuccess());
    return req;
  },
};

Tinode.setNetworkProviders(WebSocket, NodeXHR);
Tinode.setDatabaseProvider(noDatabase);

export const ADDR = process.env.PARLEY_ADDR || '127.0.0.1:6060';
/** wss:// and https:// instead of ws:// and http:// (the server's CA via NODE_EXTRA_CA_CERTS). */
export const SECURE = process.env.PARLEY_SECURE === '1';
export const LOG = !!process.env.PARLEY_SDK_LOG;
export const PASSWORD = 'pass123';

/** A suffix that makes account names unique per run. */
export const RUN = Date.now().toString(36) + Math.floor(Math.random() * 1296).toString(36);

const clients = new Set();

/** Resolves after the SDK's pending setTimeout(0) routing has run. */
export const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * Polls cond() until it returns a truthy value, failing after ms with what.
 * Returns that value.
 */
export async function waitUntil(cond, what, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Installs a handler as obj[prop] (e.g. topic.onInfo) and resolves with the
 * first argument for which match() is true, or rejects after ms. The previous
 * handler still runs and is restored afterwards.
 */
export function nextEvent(obj, prop, match, what, ms = 5000) {
  const prev = obj[prop];
  const p = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      obj[prop] = prev;
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    obj[prop] = (...args) => {
      if (prev) {
        prev(...args);
      }
      if (match(...args)) {
        clearTimeout(timer);
        obj[prop] = prev;
        resolve(args[0]);
      }
    };
  });
  // A flow that fails before awaiting this must not also leave an unhandled
  // rejection behind; awaiting it still throws.
  p.catch(() => {});
  return p;
}

/** Races p against a deadline so a lost reply fails with a clear message. */
export function within(p, what, ms = 6000) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Opens a connected client (after the server answered {hi}). */
export async function open(transport = 'ws', name = 'conf') {
  const t = new Tinode({
    appName: `parley-${name}/1.0`,
    host: ADDR,
    apiKey: 'parley-conformance',
    transport,
    secure: SECURE,
    persist: false,
  });
  t.enableLogging(LOG, true);
  clients.add(t);
  const ready = new Promise((resolve, reject) => {
    t.onConnect = resolve;
    t.onDisconnect = (err) => reject(new Error(`disconnected before {hi} completed: ${err && err.message}`));
  });
  await within(t.connect(), `${transport} connect to ${ADDR}`);
  await within(ready, `{hi} reply over ${transport}`);
  t.onConnect = undefined;
  t.onDisconnect = undefined;
  return t;
}

/** Opens a client and logs it in with login/password. */
export async function openLoggedIn(login, transport = 'ws') {
  const t = await open(transport, login);
  const ctrl = await within(t.loginBasic(login, PASSWORD), `loginBasic(${login})`);
  if (!ctrl || ctrl.code !== 200) {
    throw new Error(`loginBasic(${login}) answered ${JSON.stringify(ctrl)}`);
  }
  return t;
}

/**
 * Waits until the SDK has nothing in flight: no unanswered request and no
 * pending automatic {note recv} (sent 100 ms after new data). Disconnecting
 * earlier would reject internal promises nobody handles, or make a timer send
 * on a closed socket, both of which fail the run for the SDK's sake, not the
 * server's. Reads two SDK internals for lack of a public API.
 */
export async function quiesce(t, ms = 3000) {
  const busy = () => {
    let pending = Object.keys(t._pendingPromises || {}).length > 0;
    t.mapTopics((topic) => {
      pending = pending || !!topic._recvNotificationTimer;
    });
    return pending;
  };
  await waitUntil(() => !busy(), 'the SDK to finish in-flight requests', ms).catch(() => {});
}

/** Disconnects a client after it went quiet. */
export async function close(t) {
  if (!clients.has(t)) {
    return;
  }
  clients.delete(t);
  await quiesce(t);
  t.disconnect();
}

/** Disconnects every client still open; call from after(). */
export async function closeAll() {
  await Promise.all([...clients].map(close));
  NodeXHR.shutdown();
}

/** Subscribes to a topic; fails unless the server answered 2xx. */
export async function subscribe(topic, get, set) {
  const name = topic.name;
  const ctrl = await within(topic.subscribe(get, set), `subscribe(${name})`);
  if (!ctrl || ctrl.code >= 300) {
    throw new Error(`subscribe(${name}) answered ${JSON.stringify(ctrl)}`);
  }
  await tick();
  return ctrl;
}

/** Collects {data} messages delivered to a topic (ignores the SDK's own calls with no message). */
export function collectData(topic) {
  const got = [];
  const prev = topic.onData;
  topic.onData = (d) => {
    if (prev) {
      prev(d);
    }
    if (d && typeof d.seq === 'number' && !d._sending && d.from !== undefined) {
      got.push(d);
    }
  };
  return got;
}

/**
 * Pages a topic's history backwards with {get data before limit} until the
 * server answers 204, collecting each page's {data}. Returns the messages and
 * the ctrl of every page.
 */
export async function fetchHistory(topic, { before, limit = 30, maxPages = 50 } = {}) {
  const prev = topic.onData;
  let page = [];
  topic.onData = (d) => {
    if (d && typeof d.seq === 'number' && !d._sending) {
      page.push(d);
    }
  };
  const all = [];
  const ctrls = [];
  try {
    for (let i = 0; i < maxPages; i++) {
      page = [];
      const query = topic.startMetaQuery().withData(undefined, before, limit).build();
      const ctrl = await within(topic.getMeta(query), `get data before=${before} on ${topic.name}`);
      await tick();
      ctrls.push(ctrl);
      all.push(...page);
      if (ctrl.code === 204) {
        return { messages: all, ctrls };
      }
      checkPage(ctrl, page, before, limit);
      before = Math.min(...page.map((d) => d.seq));
    }
    throw new Error(`history of ${topic.name} did not end with 204 within ${maxPages} pages`);
  } finally {
    topic.onData = prev;
  }
}

function checkPage(ctrl, page, before, limit) {
  const where = `page before=${before}`;
  if (ctrl.code !== 208 || !ctrl.params || ctrl.params.what !== 'data') {
    throw new Error(`${where}: want ctrl 208 {what:"data"}, got ${JSON.stringify(ctrl)}`);
  }
  if (ctrl.params.count !== page.length) {
    throw new Error(`${where}: ctrl count ${ctrl.params.count} but ${page.length} {data} routed before it`);
  }
  if (page.length === 0 || page.length > limit) {
    throw new Error(`${where}: ${page.length} messages for limit ${limit}`);
  }
  const bad = page.filter((d) => before !== undefined && d.seq >= before);
  if (bad.length > 0) {
    throw new Error(`${where}: got seq ${bad.map((d) => d.seq)} not below ${before}`);
  }
}

/** A random RFC 4122 id, for Parley's msgid extension. */
export function uuid() {
  return globalThis.crypto.randomUUID();
}
