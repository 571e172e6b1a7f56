// Requests waiting for the ctrl that answers them, matched by id. A
// connection that breaks fails every request made on it.

import type { Ctrl } from './wire.js';

/** CtrlError is a request the server refused (code ≥ 300). */
export class CtrlError extends Error {
  constructor(readonly code: number, readonly text: string, readonly params?: Record<string, unknown>) {
    super(`parley: ${code} ${text}`);
    this.name = 'CtrlError';
  }
}

/** DisconnectedError fails a request whose connection broke, or that was made while offline. */
export class DisconnectedError extends Error {
  constructor() {
    super('parley: disconnected');
    this.name = 'DisconnectedError';
  }
}

interface Waiter {
  gen: number;
  done?: (c: Ctrl) => boolean;
  resolve(c: Ctrl): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Requests tracks the requests in flight. */
export class Requests {
  private next = 0;
  private readonly waiting = new Map<string, Waiter>();

  constructor(private readonly timeoutMs: number) {}

  /** id is a fresh request id (also for frames matched elsewhere, such as pubs). */
  id(): string {
    return String(++this.next);
  }

  /**
   * wait returns the ctrl that completes request id made on connection gen:
   * the first with the id, or the first for which done returns true (a get
   * is answered by meta and data before its ctrl). Codes ≥ 300 reject.
   */
  wait(id: string, gen: number, done?: (c: Ctrl) => boolean): Promise<Ctrl> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`parley: request ${id} timed out`));
      }, this.timeoutMs);
      this.waiting.set(id, { gen, done, resolve, reject, timer });
    });
  }

  /** answer settles the request c answers; false when c answers none. */
  answer(c: Ctrl): boolean {
    const w = c.id ? this.waiting.get(c.id) : undefined;
    if (!w) {
      return false;
    }
    if (c.code < 300 && w.done && !w.done(c)) {
      return true;
    }
    this.waiting.delete(c.id!);
    clearTimeout(w.timer);
    if (c.code >= 300) {
      w.reject(new CtrlError(c.code, c.text ?? '', c.params));
    } else {
      w.resolve(c);
    }
    return true;
  }

  /** cancel rejects request id: it could not be written. */
  cancel(id: string): void {
    const w = this.waiting.get(id);
    if (w) {
      this.waiting.delete(id);
      clearTimeout(w.timer);
      w.reject(new DisconnectedError());
    }
  }

  /** failGen rejects every request made on connection gen (it broke). */
  failGen(gen: number): void {
    for (const [id, w] of this.waiting) {
      if (w.gen === gen) {
        this.waiting.delete(id);
        clearTimeout(w.timer);
        w.reject(new DisconnectedError());
      }
    }
  }
}
