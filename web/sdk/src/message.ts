// The message model: one object per message, whose status and position
// change as it is delivered. The pool owns the changes; applications read.

/**
 * Where a message is in its life.
 *
 * - `sending`: created here, not yet stored by the server (also while offline);
 * - `sent`: stored, has its seq;
 * - `delivered`, `read`: a peer's client received or read it;
 * - `failed`: given up (too many timeouts, or refused); `Client.resend` retries it;
 * - `blocked`: refused by the server's message policy (ctrl 422 `policy:"blocked"`); never stored;
 * - `review`: held by the policy for staff review (ctrl 202 without seq); no seq yet;
 * - `rejected`: staff rejected it after review; never delivered.
 *
 * A message whose words were masked by the policy is `sent` (it has a seq and is delivered)
 * with `policy: "masked"`; its content is what everyone else sees.
 */
export type Status = 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'blocked' | 'review' | 'rejected';

/** A message policy verdict the server reported for one of our messages. */
export type Policy = 'masked' | 'review' | 'blocked' | 'rejected';

/** How far delivery went: confirmed statuses only grow along this ladder. */
const rank: Record<Status, number> = {
  sending: 0, failed: 0, blocked: 0, review: 0, rejected: 0, sent: 1, delivered: 2, read: 3,
};

/** statusRank orders the confirmed statuses (sent < delivered < read); the others rank 0. */
export function statusRank(s: Status): number {
  return rank[s];
}

/**
 * Key is a message's position in its conversation. A confirmed message has
 * `{seq, local: 0}`; one not confirmed yet has a *virtual seq*: `{seq: the last
 * seq its sender had seen, local: a send counter}`, which sorts after that seq,
 * before the next one, and after earlier local sends.
 */
export interface Key {
  readonly seq: number;
  readonly local: number;
}

/** compareKeys orders keys by seq, then by local. */
export function compareKeys(a: Key, b: Key): number {
  return a.seq - b.seq || a.local - b.local;
}

/** Content of a message: whatever JSON the application sends (text is `{txt}` in Tinode's drafty, or a string). */
export type Content = unknown;

/** Message is one chat message. Fields other than the readonly ones are changed by the SDK only. */
export class Message {
  readonly msgid: string;
  readonly topic: string;
  readonly from: string;
  /** own is true for a message sent by this user (from this or another device). */
  readonly own: boolean;
  head: Record<string, unknown>;
  content: Content;
  /** key is the position in the pool (a virtual seq while unconfirmed). */
  key: Key;
  status: Status;
  /** ts is the server's time, or the local creation time while unconfirmed. */
  ts: Date;
  policy: Policy | undefined;

  constructor(init: {
    msgid: string; topic: string; from: string; own: boolean; head?: Record<string, unknown>;
    content: Content; seq?: number; status: Status; ts: Date;
  }) {
    this.msgid = init.msgid;
    this.topic = init.topic;
    this.from = init.from;
    this.own = init.own;
    this.head = init.head ?? (init.msgid ? { msgid: init.msgid } : {});
    this.content = init.content;
    this.key = { seq: init.seq ?? 0, local: 0 };
    this.status = init.status;
    this.ts = init.ts;
    this.policy = undefined;
  }

  /** seq is the server's seq, or 0 while unconfirmed. */
  get seq(): number {
    return this.key.local === 0 ? this.key.seq : 0;
  }

  /** private is true for a staff-only note (head.private): customers are never sent it. */
  get private(): boolean {
    return this.head.private === true;
  }

  /** confirmed reports whether the message has its server seq. */
  get confirmed(): boolean {
    return this.key.local === 0 && this.key.seq > 0;
  }
}

/** localMessage creates a message this client is about to send. */
export function localMessage(topic: string, msgid: string, from: string, content: Content,
  head?: Record<string, unknown>): Message {
  return new Message({ msgid, topic, from, own: true, content, head: { ...head, msgid },
    status: 'sending', ts: new Date() });
}

/** newMsgId returns a random UUID (version 4), the idempotency key of a send. */
export function newMsgId(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
