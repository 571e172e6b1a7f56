// Older pages of a conversation. The SDK loads the recent history on the
// first join and fills gaps, but has no public call for the page before its
// oldest message yet; this asks the server for it with a plain {get data}
// through the client's request path, and the SDK's receive path puts the
// answer into the pool like any other data, in seq order.

import type { Client } from '@parley-im/sdk';

interface Requester {
  request(build: (id: string) => object): Promise<unknown>;
}

/** pageSize is how many messages one scroll to the top loads. */
export const pageSize = 50;

/** loadOlder fetches the page before seq; it resolves false when there is nothing older. */
export async function loadOlder(client: Client, topic: string, before: number): Promise<boolean> {
  if (before <= 1) {
    return false;
  }
  const r = client as unknown as Requester;
  await r.request((id) => ({ get: { id, topic, what: 'data', data: { before, limit: pageSize } } }));
  return true;
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
