// What one page sends to Parley, by transport: so a long-polling flow can
// prove it used long polling only, and say why it failed when the browser
// refused Parley's answers (CORS is enforced by the browser alone, and the
// app only shows that it has no connection).

import { withMessage } from './wait.mjs';

const lpPath = '/v0/channels/lp';

// watchTransport starts recording page's traffic to the server at addr.
export function watchTransport(page, addr) {
  const w = { sockets: 0, polls: 0, answered: 0, failed: [], cors: [] };
  const ours = url => url.startsWith(`http://${addr}${lpPath}`);
  page.on('websocket', ws => { if (ws.url().includes(addr)) w.sockets++; });
  page.on('request', r => { if (ours(r.url())) w.polls++; });
  page.on('requestfinished', r => { if (ours(r.url())) w.answered++; });
  page.on('requestfailed', r => {
    if (ours(r.url())) w.failed.push(`${r.method()} ${r.failure()?.errorText}`);
  });
  page.on('console', m => {
    if (m.type() === 'error' && /CORS|Access-Control/.test(m.text())) w.cors.push(m.text());
  });
  return {
    // check runs step and, if it fails, says what happened on the wire.
    async check(step) {
      try {
        await step();
      } catch (err) {
        let msg = `${err.message}`;
        msg += `\n  long polling: ${w.polls} requests, ${w.answered} answered, ` +
          `${w.failed.length} failed${w.failed.length ? ` (${[...new Set(w.failed)].join('; ')})` : ''}`;
        for (const line of [...new Set(w.cors)].slice(0, 3)) {
          msg += `\n  browser: ${line}`;
        }
        throw withMessage(err, msg);
      }
    },
    // expectLongPollingOnly fails unless the page spoke long polling and
    // opened no WebSocket to the server.
    expectLongPollingOnly() {
      if (w.sockets > 0 || w.answered === 0) {
        throw new Error(`want long polling only; saw ${w.sockets} WebSockets and ${w.answered} long-polling answers`);
      }
    },
  };
}
