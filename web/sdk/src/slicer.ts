// Incoming frames are handled in slices that yield to the browser between
// them, so a burst (an agent's reconnect after an hour, a history page of a
// busy group) never freezes the page: no slice runs past its budget, and
// what the user does meanwhile — typing, sending — runs between slices.

/** SliceStats describes the slices run so far (for benchmarks and monitoring). */
export interface SliceStats {
  slices: number;
  items: number;
  longestMs: number;
}

/**
 * Slicer queues work items and runs them in slices of at most budgetMs,
 * each followed by end() (where the client publishes what the slice
 * changed), yielding to the event loop in between.
 */
export class Slicer<T> {
  private queue: T[] = [];
  private head = 0;
  private scheduled = false;
  private stopped = false;
  readonly stats: SliceStats = { slices: 0, items: 0, longestMs: 0 };
  private readonly yieldNow: (f: () => void) => void;

  constructor(
    private readonly handle: (item: T) => void,
    private readonly end: () => void,
    private readonly budgetMs = 8,
    private readonly now: () => number = clock,
  ) {
    this.yieldNow = yielder();
  }

  /** pending is how many items wait. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  push(item: T): void {
    if (this.stopped) {
      return;
    }
    this.queue.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      this.yieldNow(() => this.run());
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) {
      return;
    }
    const start = this.now();
    let n = 0;
    while (this.head < this.queue.length) {
      const item = this.queue[this.head]!;
      this.head++;
      n++;
      try {
        this.handle(item);
      } catch (e) {
        reportError(e);
      }
      if (this.now() - start >= this.budgetMs) {
        break;
      }
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    try {
      this.end();
    } catch (e) {
      reportError(e);
    }
    const took = this.now() - start;
    this.stats.slices++;
    this.stats.items += n;
    this.stats.longestMs = Math.max(this.stats.longestMs, took);
    if (this.pending > 0 && !this.scheduled && !this.stopped) {
      this.scheduled = true;
      this.yieldNow(() => this.run());
    }
  }
}

function clock(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** reportError hands an application callback's exception to the platform without stopping the SDK. */
function reportError(e: unknown): void {
  setTimeout(() => {
    throw e;
  });
}

/**
 * yielder returns the cheapest way to run a function on a later task:
 * MessageChannel (a browser's setTimeout(0) is clamped to 4 ms once nested),
 * setImmediate in Node, else setTimeout.
 */
function yielder(): (f: () => void) => void {
  const g = globalThis as { setImmediate?: (f: () => void) => void; MessageChannel?: typeof MessageChannel;
    document?: unknown };
  if (g.document && g.MessageChannel) {
    const ch = new g.MessageChannel();
    const fns: Array<() => void> = [];
    ch.port1.onmessage = () => fns.shift()?.();
    return (f) => {
      fns.push(f);
      ch.port2.postMessage(0);
    };
  }
  if (g.setImmediate) {
    return (f) => g.setImmediate!(f);
  }
  return (f) => setTimeout(f, 0);
}
