// The network layer with a fake clock: exponential backoff with full
// jitter, a fresh start after a healthy connection, the probe that drops a
// silent connection, the browser's online event, and the switch to long
// polling when WebSocket never opens.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnHandlers, Dialer } from '../src/net/conn.js';
import { Link, type ConnState, type LinkOptions } from '../src/net/link.js';

const base: LinkOptions = { backoffBaseMs: 100, backoffMaxMs: 1000, healthyAfterMs: 5000, probeEveryMs: 0,
  probeTimeoutMs: 1000, fallbackAfter: 100, random: () => 0.999 };

/** fakeDialer opens (or fails) on the next tick and records what was sent. */
function fakeDialer(open: () => boolean) {
  const conns: Array<{ h: ConnHandlers; sent: string[] }> = [];
  const dial: Dialer = (h) => {
    const c = { h, sent: [] as string[] };
    conns.push(c);
    setTimeout(() => (open() ? h.open() : h.close('refused')), 0);
    return { send: (t) => c.sent.push(t), close: () => h.close() };
  };
  return { dial, conns };
}

const noop = { up() {}, frame() {}, down() {} };

describe('Link', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('backs off exponentially with full jitter up to the cap, and starts over after a healthy connection', async () => {
    let up = false;
    const d = fakeDialer(() => up);
    const link = new Link({ ...base, ws: d.dial }, noop);
    const delays: number[] = [];
    link.state$.subscribe((s: ConnState) => s.state === 'disconnected' && s.delayMs !== undefined && delays.push(s.delayMs));
    link.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(delays.slice(0, 6)).toEqual([99, 199, 399, 799, 999, 999]); // random·min(max, base·2^n)
    up = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect(link.state.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(6000); // healthy for longer than healthyAfterMs
    delays.length = 0;
    up = false;
    link.drop();
    expect(delays).toEqual([99]); // the backoff started over
    link.close();
  });

  it('probes a silent connection and drops it when the probe stays unanswered', async () => {
    const d = fakeDialer(() => true);
    const downs: number[] = [];
    const link = new Link({ ...base, ws: d.dial, probeEveryMs: 1000, probeTimeoutMs: 500 },
      { ...noop, down: (g) => downs.push(g) });
    link.start();
    await vi.advanceTimersByTimeAsync(1100);
    expect(d.conns[0]!.sent).toEqual(['1']);
    d.conns[0]!.h.frame('0'); // answered: still up
    await vi.advanceTimersByTimeAsync(900);
    expect(downs).toEqual([]);
    await vi.advanceTimersByTimeAsync(2000); // the next probe goes unanswered
    expect(downs).toEqual([1]);
    link.close();
  });

  it('dials at once when the browser says it is online again', async () => {
    let up = false;
    const d = fakeDialer(() => up);
    const target = new EventTarget();
    const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown };
    const saved = [g.addEventListener, g.removeEventListener];
    g.addEventListener = target.addEventListener.bind(target);
    g.removeEventListener = target.removeEventListener.bind(target);
    try {
      const link = new Link({ ...base, ws: d.dial, backoffBaseMs: 60_000, backoffMaxMs: 60_000 }, noop);
      link.start();
      await vi.advanceTimersByTimeAsync(10);
      expect(link.state.state).toBe('disconnected'); // waiting up to a minute
      up = true;
      target.dispatchEvent(new Event('online'));
      await vi.advanceTimersByTimeAsync(10);
      expect(link.state.state).toBe('connected');
      link.close();
    } finally {
      [g.addEventListener, g.removeEventListener] = saved;
    }
  });

  it('switches to long polling after WebSocket failed to open fallbackAfter times', async () => {
    const ws = fakeDialer(() => false);
    const lp = fakeDialer(() => true);
    const link = new Link({ ...base, ws: ws.dial, lp: lp.dial, fallbackAfter: 2 }, noop);
    link.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(ws.conns.length).toBe(2);
    expect(link.state).toMatchObject({ state: 'connected', transport: 'lp' });
    link.close();
  });
});
