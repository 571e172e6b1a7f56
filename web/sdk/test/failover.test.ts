// Fail-over across a cluster's nodes: each dial goes to the next node.

import { describe, expect, it } from 'vitest';
import type { Dialer } from '../src/net/conn.js';
import { rotating } from '../src/net/failover.js';
import { hostsOf, resolve, urls } from '../src/options.js';

function recorder(name: string, log: string[]): Dialer {
  return (h) => {
    log.push(name);
    return { send: () => {}, close: () => h.close() };
  };
}

const handlers = { open() {}, frame() {}, close() {} };

describe('rotating', () => {
  it('dials the nodes in turn from the start given, wrapping around', () => {
    const log: string[] = [];
    const dial = rotating([recorder('a', log), recorder('b', log), recorder('c', log)], 1);
    for (let i = 0; i < 5; i++) dial(handlers);
    expect(log).toEqual(['b', 'c', 'a', 'b', 'c']);
  });

  it('refuses an empty list', () => {
    expect(() => rotating([])).toThrow(/no server address/);
  });
});

describe('hosts', () => {
  it('lists the cluster nodes when given, else the one host', () => {
    expect(hostsOf(resolve({ host: 'x:1' }))).toEqual(['x:1']);
    const o = resolve({ host: 'x:1', hosts: ['a:1', 'b:2'] });
    expect(hostsOf(o).map((h) => urls(o, h).ws)).toEqual(['ws://a:1/v0/channels?apikey=none', 'ws://b:2/v0/channels?apikey=none']);
  });
});
