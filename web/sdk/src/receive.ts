// The receive path: frames from the server, one at a time inside the
// client's slices, into the pools (deduplicated), the trackers (gaps to
// fetch, what to acknowledge) and the event streams; acknowledgements
// batched across conversations; epochs checked.

import type { Client } from './client.js';
import type { Conversation } from './conversation.js';
import { Message } from './message.js';
import { maxSpan } from './seqtrack.js';
import { code, parseTime, str, type Data, type Info, type Meta, type Pres, type ServerMsg } from './wire.js';

export class Receiver {
  private ackTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly c: Client) {}

  frame(text: string): void {
    let m: ServerMsg;
    try {
      m = JSON.parse(text) as ServerMsg;
    } catch {
      return; // not JSON: nothing a server of ours sends
    }
    if (m.ctrl) {
      if (m.ctrl.code === code.evicted && !m.ctrl.id && m.ctrl.topic) {
        // The server detached this session (access taken away, say an agent's
        // conversation transferred or closed): the next join must subscribe
        // again, or what came meanwhile would never be fetched.
        this.c.convs.get(m.ctrl.topic)?.detach();
      }
      if (!this.c.sender.onCtrl(m.ctrl)) {
        this.c.requests.answer(m.ctrl);
      }
    } else if (m.data) {
      this.data(m.data);
    } else if (m.meta) {
      this.meta(m.meta);
    } else if (m.info) {
      this.info(m.info);
    } else if (m.pres) {
      this.pres(m.pres);
    }
  }

  private data(d: Data): void {
    const c = this.c;
    const cv = c.convs.get(d.topic);
    if (!cv || !(d.seq > 0)) {
      return;
    }
    cv.track.add(d.seq);
    const msgid = typeof d.head?.msgid === 'string' ? d.head.msgid : '';
    if (!d.deleted) {
      const from = d.from ?? '';
      const m = new Message({ msgid, topic: d.topic, from, own: from !== '' && from === c.userId,
        head: d.head ?? {}, content: d.content, seq: d.seq, status: 'sent', ts: parseTime(d.ts) ?? new Date() });
      if (cv.pool.get(msgid) || this.keep(m)) {
        const { result, message } = cv.pool.insert(m);
        if (result === 'added') {
          cv.added(message);
          c.messageSubject.next(message);
          c.service.onMessage(message);
          c.dirty.add(cv);
        } else if (result === 'confirmed') {
          c.sender.acked(msgid); // stored, though its ack was lost: stop resending it
          c.emitStatus(message);
          c.dirty.add(cv);
        } else if (message.policy === 'masked' && message.msgid === msgid) {
          // Our masked message as everyone else sees it: the sender's screen matches theirs.
          message.content = m.content;
          message.head = m.head;
          c.dirty.add(cv);
        }
      }
    }
    // Gaps are judged when the slice ends: the rest of a burst may be right behind this frame.
    c.gapCheck.add(cv);
    this.scheduleAck();
  }

  private keep(m: Message): boolean {
    const f = this.c.o.filter;
    return !f || f(m);
  }

  private meta(m: Meta): void {
    if (m.id && this.c.metaWaiters.take(m)) {
      // A {get sub} succeeds with this frame alone: it completes the request.
      this.c.requests.answer({ id: m.id, topic: m.topic, code: 200, text: 'ok' });
    }
    const cv = this.c.convs.get(m.topic);
    if (!cv) {
      return;
    }
    if (m.desc) {
      if (m.desc.epoch !== undefined) {
        this.epoch(cv, m.desc.epoch);
      }
      const seq = m.desc.seq ?? 0;
      cv.track.start(Math.max(0, seq - this.c.o.history));
      cv.track.exists(seq);
      cv.markRead(m.desc.read ?? 0);
      this.c.dirty.add(cv);
    }
    for (const s of m.sub ?? []) {
      if (s.user === this.c.userId) {
        cv.markRead(s.read ?? 0);
      } else if (s.user) {
        this.marks(cv, 'delivered', s.recv ?? 0);
        this.marks(cv, 'read', s.read ?? 0);
      }
    }
  }

  private info(i: Info): void {
    const c = this.c;
    if (i.what === 'queue' || i.what === 'review' || i.what === 'desk') {
      c.service.onInfo(i);
      return;
    }
    if (i.from === c.userId) {
      return; // our own other device
    }
    if (i.what === 'kp' || i.what === 'kpa' || i.what === 'kpv') {
      c.typingSubject.next({ topic: i.topic, from: i.from ?? '' });
      return;
    }
    if (i.what !== 'recv' && i.what !== 'read') {
      return;
    }
    c.receiptSubject.next({ topic: i.topic, from: i.from ?? '', what: i.what, seq: i.seq ?? 0 });
    const cv = c.convs.get(i.topic);
    if (cv) {
      this.marks(cv, i.what === 'read' ? 'read' : 'delivered', i.seq ?? 0);
    }
  }

  private pres(p: Pres): void {
    if (p.topic === 'me') {
      this.c.service.onPres(p);
      const cv = p.src ? this.c.convs.get(p.src) : undefined;
      if (cv && p.what === 'msg' && p.seq) {
        cv.track.exists(p.seq); // a message we were not pushed: fetch it
        this.fillGap(cv.attached, cv);
      }
      return;
    }
    const cv = this.c.convs.get(p.topic);
    if (cv && p.what === 'upd' && p.epoch !== undefined) {
      this.epoch(cv, p.epoch);
    }
  }

  private marks(cv: Conversation, s: 'delivered' | 'read', seq: number): void {
    for (const m of cv.pool.markPeer(s, seq)) {
      this.c.emitStatus(m);
      this.c.dirty.add(cv);
    }
  }

  /**
   * epoch checks the topic's epoch. A different one than we knew means the
   * server's history is not the one our seqs came from: drop the
   * conversation's history and positions (our unsent messages stay) and
   * load it again.
   */
  private epoch(cv: Conversation, e: number): void {
    if (cv.epoch === undefined || cv.epoch === e) {
      cv.epoch = e;
      return;
    }
    cv.epoch = e;
    cv.resetHistory();
    this.c.dirty.add(cv);
    const gen = cv.attached;
    if (gen !== 0 && cv.busy === 0) {
      cv.busy++;
      this.c.request((id) => ({ get: { id, topic: cv.topic, what: 'desc data', data: { limit: this.c.o.history } } }),
        (ctrl) => str(ctrl.params, 'what') === 'data', gen)
        .catch(() => undefined)
        .finally(() => {
          cv.busy = Math.max(cv.busy - 1, 0);
          cv.track.start(0);
          this.fillGap(gen, cv);
        });
    }
  }

  /** fillGap fetches cv's first missing range, one fetch at a time, until nothing is missing up to its last known seq. */
  fillGap(gen: number, cv: Conversation): void {
    const gap = cv.track.gap();
    if (!gap || cv.busy > 0 || gen === 0 || cv.attached !== gen) {
      return;
    }
    const [lo, hi] = gap;
    cv.busy++;
    this.c.request((id) => ({ get: { id, topic: cv.topic, what: 'data', data: { since: lo, before: hi, limit: maxSpan } } }),
      (ctrl) => str(ctrl.params, 'what') === 'data', gen)
      .then(() => {
        cv.busy = Math.max(cv.busy - 1, 0);
        cv.track.covered(lo, hi); // the range fit in one page: whatever did not come is gone
        this.fillGap(gen, cv);
        this.scheduleAck();
      }, () => {
        cv.busy = Math.max(cv.busy - 1, 0);
      });
  }

  /** scheduleAck acknowledges what was received after the delay, all conversations in one frame. */
  scheduleAck(): void {
    if (this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => this.flushAcks(), this.c.o.ackDelayMs);
    }
  }

  private flushAcks(): void {
    this.ackTimer = undefined;
    const c = this.c;
    const acks: Array<{ cv: Conversation; seq: number }> = [];
    for (const cv of c.convs.values()) {
      const seq = cv.track.ackDue();
      if (seq !== undefined && cv.attachedOn(c.gen)) {
        acks.push({ cv, seq });
      }
    }
    if (acks.length === 0) {
      return;
    }
    // Parley takes one {datares} for every conversation; a Tinode server a note recv each.
    const ok = c.session.server === 'parley'
      ? c.write({ datares: { acks: acks.map((a) => ({ topic: a.cv.topic, seq: a.seq })) } })
      : acks.every((a) => c.write({ note: { topic: a.cv.topic, what: 'recv', seq: a.seq } }));
    if (ok) {
      for (const a of acks) {
        a.cv.track.markAcked(a.seq);
      }
    }
  }

  /** stop cancels a pending acknowledgement. */
  stop(): void {
    clearTimeout(this.ackTimer);
  }
}

