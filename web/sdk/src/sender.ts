// The send path after send(): the outbox is written out in order on the
// live connection, answers settle each send (stored, duplicate, held for
// review, blocked, refused), timeouts write it again with the same msgid,
// and storage follows every change so a reload resends what was pending.

import type { Client } from './client.js';
import type { Message, Status } from './message.js';
import { attachmentsOf } from './files.js';
import type { OutboxItem } from './outbox.js';
import { code, num, parseTime, str, type Ctrl } from './wire.js';

/** retryDelayMs is the pause before writing again after a transient refusal (429, 5xx). */
const retryDelayMs = 1000;

export class Sender {
  private readonly pubs = new Map<string, { topic: string; msgid: string }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private scheduled = false;
  private stopped = false;

  constructor(private readonly c: Client) {}

  /**
   * enqueue puts a new send into the outbox and storage, and schedules the
   * write. A preparing send (a file whose upload runs) holds its place and
   * everything behind it until ready; it is stored only then, as its bytes
   * live in memory alone.
   */
  enqueue(item: OutboxItem, preparing = false): void {
    this.c.outbox.add(item, preparing);
    if (!preparing) {
      this.c.storage.putSend(item);
    }
    this.flushSoon();
  }

  /** ready gives a preparing send its final content (the uploaded file's) and lets it and its followers go. */
  ready(topic: string, msgid: string, content: unknown, attachments: readonly string[]): void {
    const item = this.c.outbox.ready(msgid, content, attachments);
    if (!item) {
      return;
    }
    this.c.storage.putSend(item);
    const cv = this.c.convs.get(topic);
    const m = cv?.pool.get(msgid);
    if (cv && m && !m.confirmed) {
      m.content = content;
      cv.publish();
    }
    this.flushSoon();
  }

  /** resend queues a failed (or rejected-as-failed) message again with its msgid. */
  resend(m: Message): void {
    const cv = this.c.convs.get(m.topic);
    if (!cv || m.status !== 'failed' || !cv.pool.setStatus(m.msgid, 'sending')) {
      return;
    }
    this.c.emitStatus(m);
    cv.publish();
    const item = { topic: m.topic, msgid: m.msgid, content: m.content, head: m.head, user: m.from,
      order: this.c.outbox.nextOrder(), afterSeq: m.key.seq, attachments: attachmentsOf(m.content) };
    if (this.c.files.has(m.msgid)) {
      this.enqueue(item, true); // its upload failed: upload again, in its new place
      this.c.files.upload(m.topic, m.msgid);
    } else {
      this.enqueue(item);
    }
  }

  /** flushSoon writes what is due after the current task: sends made in one go leave in one burst. */
  flushSoon(): void {
    if (!this.scheduled && !this.stopped) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** flush writes what is due on the live connection, conversation by conversation, in send order. */
  flush(): void {
    const c = this.c;
    if (!c.ready || this.stopped) {
      return;
    }
    const gen = c.gen;
    const now = Date.now();
    for (const topic of c.outbox.topics()) {
      if (!c.convs.get(topic)?.attachedOn(gen)) {
        continue;
      }
      const { due, expired } = c.outbox.due(topic, gen, now);
      for (const it of expired) {
        // No answer at all is not a refusal: it stays in storage, so a reload tries it again.
        this.settle(it.topic, it.msgid, 'failed', true);
      }
      for (const it of due) {
        const id = c.requests.id();
        this.pubs.set(id, { topic: it.topic, msgid: it.msgid });
        const pub = { id, topic: it.topic, head: { ...it.head, msgid: it.msgid }, content: it.content };
        const extra = it.attachments?.length ? { attachments: it.attachments } : undefined;
        if (!c.write({ pub, extra })) {
          return; // the connection broke: the next one sends everything again
        }
      }
    }
    this.arm(gen);
  }

  /** onCtrl settles a send with the server's answer; false when ctrl answers no send. */
  onCtrl(ctrl: Ctrl): boolean {
    const ref = ctrl.id ? this.pubs.get(ctrl.id) : undefined;
    if (!ref) {
      return false;
    }
    this.pubs.delete(ctrl.id!);
    const policy = str(ctrl.params, 'policy');
    const seq = num(ctrl.params, 'seq');
    if (ctrl.code === code.accepted && seq > 0) {
      // A repeated msgid is answered with the original seq and duplicate: true: the same to us.
      this.stored(ref.topic, ref.msgid, seq, parseTime(ctrl.ts), policy === 'masked');
    } else if (ctrl.code === code.accepted && policy === 'review') {
      this.settle(ref.topic, ref.msgid, 'review'); // held by the server until staff decide
    } else if (ctrl.code === code.policy && policy === 'blocked') {
      this.settle(ref.topic, ref.msgid, 'blocked');
    } else if (ctrl.code === code.conflict) {
      this.reattach(ref.topic, ref.msgid); // evicted meanwhile: attach again, then resend
    } else if (ctrl.code === code.tooMany || ctrl.code >= code.serverError) {
      this.c.outbox.retry(ref.msgid, Date.now(), retryDelayMs);
      this.arm(this.c.gen);
    } else if (ctrl.code >= 400) {
      this.settle(ref.topic, ref.msgid, 'failed');
    }
    return true;
  }

  /** stored confirms a send at its seq (from its ack, an approval, or its echo). */
  stored(topic: string, msgid: string, seq: number, ts?: Date, masked = false): void {
    this.acked(msgid);
    const cv = this.c.convs.get(topic);
    if (!cv) {
      return;
    }
    cv.track.add(seq);
    const m = cv.pool.confirm(msgid, seq, ts);
    if (m) {
      if (masked) {
        m.policy = 'masked';
      }
      this.c.emitStatus(m);
      this.c.dirty.add(cv);
    }
    this.c.receiver.fillGap(cv.attached, cv);
    this.c.receiver.scheduleAck();
  }

  /** acked takes a send out of the outbox and storage; the window it held frees. */
  acked(msgid: string): void {
    if (this.c.outbox.remove(msgid)) {
      this.c.storage.deleteSend(msgid);
      this.flushSoon();
    }
  }

  /** settle ends a send without a seq: failed, blocked, held for review, or rejected. */
  settle(topic: string, msgid: string, s: Status, keepStored = false): void {
    if (keepStored) {
      this.c.outbox.remove(msgid);
    } else {
      this.acked(msgid);
    }
    const cv = this.c.convs.get(topic);
    const m = cv?.pool.setStatus(msgid, s);
    if (cv && m) {
      if (s === 'blocked' || s === 'review' || s === 'rejected') {
        m.policy = s;
      }
      this.c.emitStatus(m);
      this.c.dirty.add(cv);
      cv.publish();
    }
  }

  connectionLost(): void {
    this.pubs.clear();
    clearTimeout(this.timer);
  }

  stop(): void {
    this.stopped = true;
    this.connectionLost();
  }

  private reattach(topic: string, msgid: string): void {
    const cv = this.c.convs.get(topic);
    this.c.outbox.retry(msgid, Date.now(), 0);
    if (cv && this.c.ready) {
      cv.detach();
      this.c.session.attach(this.c.gen, cv).catch(() => undefined);
    }
  }

  /** arm wakes flush when the earliest write on gen is due again. */
  private arm(gen: number): void {
    clearTimeout(this.timer);
    const t = this.c.outbox.nextDeadline(gen);
    if (t !== undefined && !this.stopped) {
      this.timer = setTimeout(() => this.flush(), Math.max(t - Date.now(), 1));
    }
  }
}
