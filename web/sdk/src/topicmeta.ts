// Reading a conversation's metadata on demand: its members with their
// public and trusted cards (a {get sub}), and its older pages (a
// {get data} with `before`). A successful {get sub} is answered by a meta
// frame alone, so the receive path hands meta frames that carry a request
// id to the waiter registered here, and that completes the request.

import type { Client } from './client.js';
import type { Meta, Sub } from './wire.js';

/** Member is one subscriber of a conversation as the server describes it. */
export interface Member {
  /** user is the member's id ("usr…"). */
  user: string;
  /** public is the member's public card (for example `{ fn: "Ann" }`), as the user or the server set it. */
  public?: unknown;
  /**
   * trusted is what the server vouches for: for a customer who logged in
   * with a merchant's JWT or HMAC, `{ verified: true, scheme, claims }`;
   * for staff, their role.
   */
  trusted?: unknown;
  /** online tells whether the member has a live session. */
  online: boolean;
}

/** MetaWaiters routes meta frames answering a request to whoever asked. */
export class MetaWaiters {
  private readonly waiting = new Map<string, (m: Meta) => void>();

  /** take gives m to the waiter of its request id; false when nobody waits for it. */
  take(m: Meta): boolean {
    const w = m.id ? this.waiting.get(m.id) : undefined;
    if (!w) {
      return false;
    }
    w(m);
    return true;
  }

  /** members asks for topic's subscribers; an empty topic (ctrl 204) gives []. */
  async members(c: Client, topic: string): Promise<Member[]> {
    let subs: Sub[] = [];
    let reqId = '';
    try {
      await c.request((id) => {
        reqId = id;
        this.waiting.set(id, (m) => { subs = m.sub ?? []; });
        return { get: { id, topic, what: 'sub' } };
      });
    } finally {
      this.waiting.delete(reqId);
    }
    return subs.filter((s) => typeof s.user === 'string' && s.user !== '').map((s) => ({
      user: s.user!, public: s.public, trusted: s.trusted, online: s.online === true,
    }));
  }
}

/**
 * loadOlder fetches up to limit messages before seq `before` into topic's
 * pool; false when there is nothing older to ask for.
 */
export async function loadOlder(c: Client, topic: string, before: number, limit: number): Promise<boolean> {
  if (before <= 1) {
    return false;
  }
  await c.request((id) => ({ get: { id, topic, what: 'data', data: { before, limit } } }));
  return true;
}
