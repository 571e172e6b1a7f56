// Fail-over across the nodes of a cluster: any node serves any conversation,
// so a client only has to dial another node when its own goes away.

import type { Dialer } from './conn.js';

/**
 * rotating returns a dialer that hands each dial to the next of several
 * dialers (one per node), starting at a random one: clients spread over the
 * nodes, and one whose node died is on another at its next dial. The
 * session resumes there as on the node it left (hi.dev, the outbox's msgids).
 */
export function rotating(dialers: readonly Dialer[], start = Math.floor(Math.random() * dialers.length)): Dialer {
  if (dialers.length === 0) {
    throw new Error('parley: no server address');
  }
  let next = start % dialers.length;
  return (h) => {
    const dial = dialers[next] as Dialer;
    next = (next + 1) % dialers.length;
    return dial(h);
  };
}
