// Older pages of a conversation. The SDK loads the recent history on the
// first join and fills gaps; a scroll to the top asks it for the page
// before the oldest message (Client.loadOlder), and its receive path puts
// the answer into the pool like any other data, in seq order.

import type { Client } from '@parley-im/sdk';

/** pageSize is how many messages one scroll to the top loads. */
export const pageSize = 50;

/** loadOlder fetches the page before seq; it resolves false when there is nothing older. */
export function loadOlder(client: Client, topic: string, before: number): Promise<boolean> {
  return client.loadOlder(topic, before, pageSize);
}

/** oldestSeq is the smallest server seq among the messages. */
export function oldestSeq(list: readonly { seq: number }[]): number {
  for (const m of list) {
    if (m.seq > 0) {
      return m.seq;
    }
  }
  return 0;
}
