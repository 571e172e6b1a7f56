// One conversation as the client holds it: its pool, its received-seq
// tracker, whether it is attached on the live connection, and the stream
// of its message list.

import { BehaviorSubject } from 'rxjs';
import type { Message } from './message.js';
import { Pool } from './pool.js';
import { SeqTracker } from './seqtrack.js';

/** ConversationSummary is one line of a conversation list. */
export interface ConversationSummary {
  topic: string;
  /** unread counts others' messages in the pool after this user's read mark. */
  unread: number;
  last: Message | undefined;
}

export class Conversation {
  readonly pool = new Pool();
  track = new SeqTracker();
  /** attached is the connection gen the sub succeeded on; attaching one a sub is in flight on. */
  attached = 0;
  attaching = 0;
  /** busy counts fetches in flight; gaps are judged when none is. */
  busy = 0;
  epoch: number | undefined;
  /** readSeq is this user's read mark; unread counts others' messages in the pool after it. */
  private read = 0;
  private unread = 0;
  readonly list$ = new BehaviorSubject<readonly Message[]>([]);

  constructor(public topic: string) {}

  /** rename gives a conversation created as "new…" the group name the server chose. */
  rename(topic: string): void {
    this.topic = topic;
  }

  detach(): void {
    this.attached = this.attaching = this.busy = 0;
  }

  attachedOn(gen: number): boolean {
    return gen !== 0 && this.attached === gen;
  }

  /** publish hands the current list to subscribers (a copy: the pool keeps changing). */
  publish(): void {
    this.list$.next(this.pool.items.slice());
  }

  get readSeq(): number {
    return this.read;
  }

  /** markRead moves this user's read mark up; only the messages it passes are counted. */
  markRead(seq: number): void {
    if (seq > this.read) {
      this.unread = Math.max(0, this.unread - this.pool.othersBetween(this.read, seq));
      this.read = seq;
    }
  }

  /** added counts a message that entered the pool for the unread count. */
  added(m: Message): void {
    if (!m.own && m.seq > this.read) {
      this.unread++;
    }
  }

  /** summary is the conversation's line in a list; it costs the same for any size of pool. */
  summary(): ConversationSummary {
    const items = this.pool.items;
    return { topic: this.topic, unread: this.unread, last: items[items.length - 1] };
  }

  /** resetHistory forgets the topic's history (a new epoch), keeping unsent messages. */
  resetHistory(): void {
    this.pool.resetConfirmed();
    this.track = new SeqTracker();
    this.read = this.unread = 0;
  }
}
