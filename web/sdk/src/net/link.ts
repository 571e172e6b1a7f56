// The network layer: keeps one connection up until closed. Reconnects with
// exponential backoff and full jitter (a recovering gateway is not flooded
// by every client at once), probes a silent connection, follows the
// browser's online/offline events, falls back to long polling when
// WebSocket never connects, and publishes its state.

import { BehaviorSubject, type Observable } from 'rxjs';
import type { Conn, Dialer } from './conn.js';

/** State is the connection's state. */
export type State = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** ConnState is a change of the connection's state. */
export interface ConnState {
  state: State;
  /** transport in use while connected. */
  transport?: 'ws' | 'lp';
  /** reason says why the connection ended. */
  reason?: string;
  /** attempt counts the failed attempts since the last healthy connection. */
  attempt: number;
  /** delayMs is the wait before the next attempt. */
  delayMs?: number;
}

/** LinkOptions configure a Link. */
export interface LinkOptions {
  ws?: Dialer;
  lp?: Dialer;
  /** backoffBaseMs and backoffMaxMs bound the wait: a random time up to min(max, base·2^attempt). */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** healthyAfterMs is how long a connection must last for the backoff to start over. */
  healthyAfterMs: number;
  /** probeEveryMs: after this long without a frame the link sends the probe `1`; 0 turns probing off. */
  probeEveryMs: number;
  /** probeTimeoutMs: a probe unanswered this long drops the connection. */
  probeTimeoutMs: number;
  /** fallbackAfter: WebSocket attempts that fail without ever opening before long polling is used. */
  fallbackAfter: number;
  random?: () => number;
}

/** LinkHandlers receive what the connection carries, tagged with its generation. */
export interface LinkHandlers {
  up(gen: number): void;
  frame(gen: number, text: string): void;
  down(gen: number): void;
}

/** Link is the reconnecting connection. */
export class Link {
  private readonly stateSubject = new BehaviorSubject<ConnState>({ state: 'disconnected', attempt: 0 });
  private conn: Conn | undefined;
  private gen = 0;
  private live = 0; // gen of the open connection, 0 while none is
  private endedGen = 0;
  private attempt = 0;
  private wsFailures = 0;
  private useLp = false;
  private openedAt = 0;
  private lastFrame = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setInterval> | undefined;
  private probeSent = 0;
  private stopped = false;
  private offline = false;
  private readonly onOnline = () => this.online();
  private readonly onOffline = () => this.wentOffline();

  constructor(private readonly o: LinkOptions, private readonly h: LinkHandlers) {}

  /** state$ emits every change of the connection's state, starting with the current one. */
  get state$(): Observable<ConnState> {
    return this.stateSubject.asObservable();
  }

  get state(): ConnState {
    return this.stateSubject.value;
  }

  start(): void {
    const g = globalThis as { addEventListener?: (t: string, f: () => void) => void };
    g.addEventListener?.('online', this.onOnline);
    g.addEventListener?.('offline', this.onOffline);
    this.dial();
  }

  /** write sends a frame on connection gen; false when that connection is gone. */
  write(gen: number, text: string): boolean {
    if (gen === 0 || gen !== this.live || !this.conn) {
      return false;
    }
    this.conn.send(text);
    return true;
  }

  /** drop closes the current connection as a network failure would; the link reconnects. */
  drop(reason = 'dropped'): void {
    if (this.conn) {
      const c = this.conn;
      this.ended(this.gen, reason);
      c.close();
    }
  }

  close(): void {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    const g = globalThis as { removeEventListener?: (t: string, f: () => void) => void };
    g.removeEventListener?.('online', this.onOnline);
    g.removeEventListener?.('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    const c = this.conn;
    if (c) {
      this.ended(this.gen, 'closed');
      c.close();
    }
    this.stateSubject.next({ state: 'closed', attempt: this.attempt });
    this.stateSubject.complete();
  }

  private dial(): void {
    if (this.stopped || this.offline) {
      return;
    }
    const gen = ++this.gen;
    const lp = this.useLp || !this.o.ws;
    const dialer = lp ? this.o.lp : this.o.ws;
    if (!dialer) {
      throw new Error('parley: no transport configured');
    }
    this.stateSubject.next({ state: 'connecting', attempt: this.attempt, transport: lp ? 'lp' : 'ws' });
    try {
      this.conn = dialer({
        open: () => this.opened(gen, lp),
        frame: (text) => this.received(gen, text),
        close: (reason) => this.ended(gen, reason ?? 'closed', lp),
      });
    } catch (e) {
      this.conn = undefined;
      this.ended(gen, String(e), lp);
    }
  }

  private opened(gen: number, lp: boolean): void {
    if (gen !== this.gen || this.stopped) {
      return;
    }
    this.live = gen;
    this.openedAt = this.lastFrame = Date.now();
    if (!lp) {
      this.wsFailures = 0;
    }
    this.stateSubject.next({ state: 'connected', attempt: this.attempt, transport: lp ? 'lp' : 'ws' });
    if (this.o.probeEveryMs > 0 && !lp) {
      this.probeTimer = setInterval(() => this.probe(gen), Math.min(this.o.probeEveryMs, this.o.probeTimeoutMs));
    }
    this.h.up(gen);
  }

  private received(gen: number, text: string): void {
    if (gen !== this.live) {
      return;
    }
    this.lastFrame = Date.now();
    this.probeSent = 0;
    if (text === '0') {
      return; // the probe's answer
    }
    this.h.frame(gen, text);
  }

  /** probe sends `1` after a silence and drops the connection when it stays unanswered. */
  private probe(gen: number): void {
    const now = Date.now();
    if (this.probeSent && now - this.probeSent >= this.o.probeTimeoutMs) {
      this.drop('probe timeout');
    } else if (!this.probeSent && now - this.lastFrame >= this.o.probeEveryMs) {
      this.probeSent = now;
      this.write(gen, '1');
    }
  }

  private ended(gen: number, reason: string, lp = false): void {
    if (gen !== this.gen || this.endedGen === gen) {
      return; // an old connection, or one already ended (drop, then its close event)
    }
    this.endedGen = gen;
    const wasLive = this.live === gen;
    this.conn = undefined;
    this.live = 0;
    this.probeSent = 0;
    clearInterval(this.probeTimer);
    if (wasLive) {
      this.h.down(gen);
    }
    if (this.stopped) {
      return;
    }
    if (wasLive && Date.now() - this.openedAt >= this.o.healthyAfterMs) {
      this.attempt = 0;
    }
    if (!wasLive && !lp && this.o.lp && ++this.wsFailures >= this.o.fallbackAfter) {
      this.useLp = true; // WebSocket never got through: long polling from now on
    }
    this.schedule(reason);
  }

  private schedule(reason: string): void {
    const cap = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.min(this.attempt, 30));
    const delayMs = Math.floor((this.o.random ?? Math.random)() * cap);
    this.attempt++;
    this.stateSubject.next({ state: 'disconnected', reason, attempt: this.attempt, delayMs });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.dial();
    }, delayMs);
  }

  private online(): void {
    this.offline = false;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer); // the network is back: try now, not after the backoff
      this.retryTimer = undefined;
      this.attempt = 0;
      this.dial();
    } else if (!this.conn) {
      this.dial();
    }
  }

  private wentOffline(): void {
    this.offline = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.drop('offline');
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
