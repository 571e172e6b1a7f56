// Polling with a deadline, for conditions Playwright's locators cannot wait
// for by themselves (a list's whole content, a count of requests).

import { setTimeout as sleep } from 'node:timers/promises';

// timeout is how long a single step of a flow may take. The machine running
// the test may be shared and slow; a step that works is far under it.
export const timeout = 15_000;

// eventually calls check until it returns without throwing, and throws its
// last error, prefixed with what, once the deadline has passed.
export async function eventually(what, check, ms = timeout) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) {
        throw withMessage(err, `${what}: ${err.message}`);
      }
    }
    await sleep(100); // the polling interval, not a wait for an event
  }
}

// withMessage is err with message replaced, keeping err's stack frames.
// Errors are rebuilt rather than edited because Playwright's (and V8's) keep
// the first message in their stack, which is what Node's test runner prints;
// a cause would print the whole chain twice.
export function withMessage(err, message) {
  const e = new Error(message);
  const frames = (err.stack || '').split('\n').filter(l => /^\s+at /.test(l));
  e.stack = [message, ...frames].join('\n');
  return e;
}
