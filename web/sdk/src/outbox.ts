// The ordered outbox: each conversation's sends wait here, in send order,
// until the server acknowledges them. A send goes out once per connection;
// on the same connection it is repeated with the same msgid when its timeout
// passes, and given up after maxAttempts timeouts. A new connection sends
// everything still waiting, in order: messages written offline, or lost with
// a dropped connection, go out when the network returns, and the server's
// msgid deduplication makes any repeat harmless.

/** OutboxItem is one send waiting for its acknowledgement. */
export interface OutboxItem {
  readonly topic: string;
  readonly msgid: string;
  readonly content: unknown;
  readonly head?: Record<string, unknown>;
  /** user is who sent it: after a reload only that user's sends go out. */
  readonly user: string;
  /** order is the send order across all conversations; persisted so a reload keeps it. */
  readonly order: number;
  /** afterSeq is the last seq the sender had seen: the message's virtual seq after a reload. */
  readonly afterSeq: number;
  /** attachments are the uploaded files' URLs the message sends (the pub's extra.attachments). */
  readonly attachments?: readonly string[];
}

interface Slot {
  item: OutboxItem;
  /** preparing holds the slot, and every later one of its topic, back until ready: a file whose upload runs. */
  preparing: boolean;
  gen: number; // connection it was last written on; 0 = never
  deadline: number; // when to repeat it on that connection
  timeouts: number;
}

/** OutboxOptions are the outbox's limits. */
export interface OutboxOptions {
  /** timeoutMs is how long a written send waits for its ack before it is written again. */
  timeoutMs: number;
  /** maxAttempts is how many writes on one connection a send gets before it fails. */
  maxAttempts: number;
  /** maxInFlight caps the unacknowledged writes per conversation, so a long backlog does not trip the server's rate limit. */
  maxInFlight: number;
}

/** Outbox holds the unacknowledged sends of all conversations. */
export class Outbox {
  private readonly queues = new Map<string, Slot[]>();
  private readonly byId = new Map<string, Slot>();
  private lastOrder = 0;

  constructor(private readonly opts: OutboxOptions) {}

  get size(): number {
    return this.byId.size;
  }

  /** nextOrder is the order number for a new send. */
  nextOrder(): number {
    return ++this.lastOrder;
  }

  has(msgid: string): boolean {
    return this.byId.has(msgid);
  }

  /**
   * add queues a send behind the topic's earlier ones (by order). A known
   * msgid is ignored. A preparing send (a file being uploaded) keeps its
   * place but is not written, nor anything behind it in its topic, until
   * ready; remove takes it out (the upload failed) and lets the rest go.
   */
  add(item: OutboxItem, preparing = false): boolean {
    if (this.byId.has(item.msgid)) {
      return false;
    }
    this.lastOrder = Math.max(this.lastOrder, item.order);
    const slot: Slot = { item, preparing, gen: 0, deadline: 0, timeouts: 0 };
    let q = this.queues.get(item.topic);
    if (!q) {
      q = [];
      this.queues.set(item.topic, q);
    }
    // Items arrive in order except when a reload restores them: keep the queue sorted.
    let i = q.length;
    while (i > 0 && q[i - 1]!.item.order > item.order) {
      i--;
    }
    q.splice(i, 0, slot);
    this.byId.set(item.msgid, slot);
    return true;
  }

  /** preparing reports whether msgid waits for its upload. */
  preparing(msgid: string): boolean {
    return this.byId.get(msgid)?.preparing ?? false;
  }

  /**
   * ready ends a send's preparation with its final content and attachments;
   * it and what waits behind it can be written. Returns the updated item,
   * or undefined for a msgid not preparing.
   */
  ready(msgid: string, content: unknown, attachments?: readonly string[]): OutboxItem | undefined {
    const s = this.byId.get(msgid);
    if (!s || !s.preparing) {
      return undefined;
    }
    s.preparing = false;
    s.item = { ...s.item, content, ...(attachments?.length ? { attachments } : {}) };
    return s.item;
  }

  /** topics lists the conversations with waiting sends. */
  topics(): string[] {
    return [...this.queues.keys()];
  }

  /**
   * due returns, in send order, the topic's items to write now on
   * connection gen, and marks them written. expired are items that timed
   * out too often on this connection; they leave the outbox and the caller
   * marks them failed.
   */
  due(topic: string, gen: number, now: number): { due: OutboxItem[]; expired: OutboxItem[] } {
    const due: OutboxItem[] = [];
    const expired: OutboxItem[] = [];
    const q = this.queues.get(topic) ?? [];
    let inFlight = q.filter((s) => s.gen === gen && now < s.deadline).length;
    for (const s of q) {
      if (s.preparing) {
        break; // an upload runs: nothing behind it may overtake it
      }
      if (s.gen === gen && now < s.deadline) {
        continue;
      }
      if (s.gen === gen) {
        if (s.timeouts + 1 >= this.opts.maxAttempts) {
          expired.push(s.item);
          continue;
        }
        s.timeouts++;
      } else if (inFlight >= this.opts.maxInFlight) {
        break; // the rest follows as acks free the window, still in order
      } else {
        s.timeouts = 0;
      }
      inFlight++;
      s.gen = gen;
      s.deadline = now + this.opts.timeoutMs;
      due.push(s.item);
    }
    for (const it of expired) {
      this.remove(it.msgid);
    }
    return { due, expired };
  }

  /** retry schedules an item for another write after delayMs on the same connection (a transient refusal: 429, 503). */
  retry(msgid: string, now: number, delayMs: number): void {
    const s = this.byId.get(msgid);
    if (s) {
      s.deadline = now + delayMs;
    }
  }

  /** remove takes an item out (acknowledged, or refused for good) and reports whether it was there. */
  remove(msgid: string): boolean {
    const s = this.byId.get(msgid);
    if (!s) {
      return false;
    }
    this.byId.delete(msgid);
    const q = this.queues.get(s.item.topic)!;
    // Acks come in send order, so the item is almost always at the head.
    const i = q[0] === s ? 0 : q.indexOf(s);
    q.splice(i, 1);
    if (q.length === 0) {
      this.queues.delete(s.item.topic);
    }
    return true;
  }

  /** nextDeadline is the earliest time an item written on gen needs another look, or undefined. */
  nextDeadline(gen: number): number | undefined {
    let t: number | undefined;
    for (const s of this.byId.values()) {
      if (s.gen === gen && (t === undefined || s.deadline < t)) {
        t = s.deadline;
      }
    }
    return t;
  }

  /** items lists every waiting send in order (preparing ones too). */
  items(): OutboxItem[] {
    return [...this.byId.values()].map((s) => s.item).sort((a, b) => a.order - b.order);
  }
}
