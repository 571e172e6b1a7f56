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
  /** readSeq is this user's read mark. */
  readSeq = 0;
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

  /** summary walks back from the newest message only as far as the read mark. */
  summary(): ConversationSummary {
    const items = this.pool.items;
    let unread = 0;
    for (let i = items.length - 1; i >= 0; i--) {
      const m = items[i]!;
      if (m.confirmed && m.seq <= this.readSeq) {
        break;
      }
      if (!m.own && m.confirmed) {
        unread++;
      }
    }
    return { topic: this.topic, unread, last: items[items.length - 1] };
  }

  /** resetHistory forgets the topic's history (a new epoch), keeping unsent messages. */
  resetHistory(): void {
    this.pool.resetConfirmed();
    this.track = new SeqTracker();
    this.readSeq = 0;
  }
}
