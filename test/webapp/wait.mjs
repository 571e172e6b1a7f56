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
        throw new Error(`${what}: ${err.message}`, { cause: err });
      }
    }
    await sleep(100); // the polling interval, not a wait for an event
  }
}
