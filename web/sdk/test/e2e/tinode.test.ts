// A tinode-sdk client (unmodified, 0.25.3) and a Parley SDK client in one
// conversation through a real `parley serve`: both see every message once,
// in the same order, and the Parley client's messages turn delivered when
// tinode-sdk's own note recv comes back.

import { createRequire } from 'node:module';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Message } from '../../src/index.js';
import { BIN, PASSWORD, RUN, Server, signup, waitFor } from './harness.js';

interface TinodeData {
  seq: number;
  from?: string;
  content: unknown;
  _sending?: boolean;
}
interface TinodeTopic {
  onData?: (d: TinodeData) => void;
  subscribe(get?: unknown): Promise<{ code: number }>;
  publish(content: unknown): Promise<{ code: number; params?: { seq: number } }>;
  startMetaQuery(): { withDesc(): { withLaterData(n: number): { build(): unknown } } };
}
interface Tinode {
  connect(): Promise<void>;
  createAccountBasic(login: string, password: string, params: unknown): Promise<{ code: number; params: { user: string } }>;
  getTopic(name: string): TinodeTopic;
  note(topic: string, what: string, seq: number): void;
  disconnect(): void;
}

const require = createRequire(import.meta.url);

/** tinode loads tinode-sdk under Node: ws for WebSocket, and no database (its cache stays off). */
function tinode(addr: string): Tinode {
  const { Tinode } = require('tinode-sdk');
  const noDatabase = {
    deleteDatabase() {
      const req: { onsuccess?: () => void } = {};
      setTimeout(() => req.onsuccess?.());
      return req;
    },
  };
  Tinode.setNetworkProviders(WebSocket, class {});
  Tinode.setDatabaseProvider(noDatabase);
  return new Tinode({ appName: 'parley-sdk-test', host: addr, apiKey: 'test', transport: 'ws', secure: false,
    persist: false }) as Tinode;
}

describe.skipIf(!BIN)('tinode-sdk and the Parley SDK in one conversation', () => {
  let srv: Server;
  let parley: Client | undefined;
  let tn: Tinode | undefined;
  beforeAll(async () => {
    srv = await Server.start();
  });
  afterAll(async () => {
    parley?.close();
    tn?.disconnect();
    await srv?.stop();
  });

  it('shows both sides every message once, in the same order', async () => {
    parley = await signup(srv, 'tp');
    tn = tinode(srv.addr);
    await tn.connect();
    const acc = await tn.createAccountBasic(`tt${RUN}`, PASSWORD, { public: { fn: 'tinode' }, login: true });
    const tinodeUser = acc.params.user;

    const topic = tn.getTopic(parley.userId);
    const got: TinodeData[] = [];
    topic.onData = (d) => {
      if (d && typeof d.seq === 'number' && !d._sending && d.from !== undefined) {
        got.push(d);
      }
    };
    await topic.subscribe(topic.startMetaQuery().withDesc().withLaterData(50).build());
    await parley.join(tinodeUser);
    let seen: readonly Message[] = [];
    parley.messages(tinodeUser).subscribe((l) => (seen = l));
    const receipts: string[] = [];
    parley.receipt$.subscribe((r) => receipts.push(`${r.what}:${r.seq}`));

    // Odd, so the last message is the Parley client's: tinode-sdk acknowledges only seqs above its
    // own latest message, so a receipt is sure to come only for a message after all of its own.
    const N = 41;
    const mine: Message[] = [];
    for (let i = 0; i < N; i++) {
      if (i % 2 === 0) {
        mine.push(parley.send(tinodeUser, `p${i}`));
      } else {
        await topic.publish(`t${i}`);
      }
    }
    await waitFor(() => seen.length >= N && got.length >= N && parley!.pending === 0,
      () => `both sides to have ${N} (parley ${seen.length}, tinode ${got.length})`);
    const bySeq = (a: { seq: number }, b: { seq: number }) => a.seq - b.seq;
    const tinodeView = [...got].sort(bySeq).map((d) => `${d.seq}:${String(d.content)}`);
    const parleyView = seen.map((m) => `${m.seq}:${String(m.content)}`);
    expect(new Set(got.map((d) => d.seq)).size).toBe(N); // once each
    expect(parleyView.at(-1)).toBe(`${N}:p${N - 1}`);
    expect(parleyView).toEqual(tinodeView);
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    // tinode-sdk acknowledges by itself: the Parley side sees its messages delivered, then read.
    await waitFor(() => mine.every((m) => m.status === 'delivered' || m.status === 'read'),
      () => `delivery receipts (statuses ${mine.map((m) => `${m.seq}:${m.status}`).join(',')}; receipts ${receipts.join(',')})`);
    tn.note(parley.userId, 'read', N);
    await waitFor(() => mine.every((m) => m.status === 'read'), () => `read receipts (${receipts.join(',')})`);
  });
});
