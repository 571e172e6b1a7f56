// The SDK over protobuf (format: 'protobuf') against a real `parley serve`:
// a protobuf client and a JSON client in one conversation, exactly once and
// in order both ways; the probe answered over protobuf; a catch-up after a
// disconnection arriving in batched frames.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client, ConnState, Message, WebSocketConstructor } from '../../src/index.js';
import { BIN, Server, signup, waitFor } from './harness.js';

/** Recorder is a `ws` WebSocket that counts its binary frames and can be refused (a network outage). */
class Recorder {
  static made: Recorder[] = [];
  static refuse = false;
  binaryFrames = 0;
  messages = 0;
  readonly ws: WebSocket;

  constructor(url: string, protocols?: string | string[]) {
    if (Recorder.refuse) {
      throw new Error('network unreachable');
    }
    this.ws = new WebSocket(url, protocols);
    this.ws.on('message', (_data, isBinary) => {
      this.messages++;
      this.binaryFrames += isBinary ? 1 : 0;
    });
    Recorder.made.push(this);
  }
}

/** recordingWebSocket returns the `ws` socket itself, recorded, so the SDK sees a real WebSocket. */
const recordingWebSocket = function (url: string, protocols?: string | string[]) {
  return new Recorder(url, protocols).ws;
} as unknown as WebSocketConstructor;

const texts = (l: readonly Message[]) => l.map((m) => (m.content as { txt: string }).txt);

describe.skipIf(!BIN)('the SDK over protobuf', () => {
  let srv: Server;
  const clients: Client[] = [];
  beforeAll(async () => {
    srv = await Server.start();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await srv?.stop();
  });

  it('chats with a JSON client, exactly once and in order both ways', async () => {
    const pb = await signup(srv, 'pbuf', { format: 'protobuf', WebSocket: recordingWebSocket, transport: 'ws' });
    const js = await signup(srv, 'json');
    clients.push(pb, js);
    const sock = Recorder.made.at(-1)!;
    expect(sock.ws.protocol).toBe('parley-protobuf');
    await pb.join(js.userId);
    await js.join(pb.userId);
    let atPb: readonly Message[] = [];
    let atJs: readonly Message[] = [];
    pb.messages(js.userId).subscribe((l) => (atPb = l));
    js.messages(pb.userId).subscribe((l) => (atJs = l));
    const arrivals: string[] = [];
    pb.message$.subscribe((m) => arrivals.push((m.content as { txt: string }).txt));

    const N = 300;
    for (let i = 0; i < N; i++) {
      pb.send(js.userId, { txt: `p${i}` });
      js.send(pb.userId, { txt: `j${i}` });
    }
    await waitFor(() => atPb.length >= 2 * N && atJs.length >= 2 * N && pb.pending === 0 && js.pending === 0,
      () => `both to have ${2 * N} (protobuf ${atPb.length}, JSON ${atJs.length})`);

    expect(texts(atPb)).toEqual(texts(atJs)); // one order, seen alike by both
    expect(atPb.map((m) => m.seq)).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
    expect(texts(atPb).filter((t) => t.startsWith('p'))).toEqual(Array.from({ length: N }, (_, i) => `p${i}`));
    expect(texts(atPb).filter((t) => t.startsWith('j'))).toEqual(Array.from({ length: N }, (_, i) => `j${i}`));
    expect(new Set(atPb.map((m) => m.msgid)).size).toBe(2 * N);
    expect(arrivals.filter((t) => t.startsWith('j')).length).toBe(N); // each of the other side's arrived once
    expect(sock.binaryFrames).toBe(sock.messages); // nothing but binary frames
    expect(sock.binaryFrames).toBeGreaterThan(0);
  });

  it('keeps an idle protobuf connection up: the server answers its probes', async () => {
    const pb = await signup(srv, 'prober', { format: 'protobuf', WebSocket: recordingWebSocket, transport: 'ws',
      probeEveryMs: 100, probeTimeoutMs: 400 });
    clients.push(pb);
    const states: ConnState[] = [];
    pb.state$.subscribe((s) => states.push(s));
    const sock = Recorder.made.at(-1)!;
    const framesBefore = sock.binaryFrames;
    await waitFor(() => sock.binaryFrames >= framesBefore + 5, 'five probe answers');
    expect(states.filter((s) => s.state !== 'connected')).toEqual([]); // no probe timed out
  });

  it('catches up on what it missed while offline, once each and in order', async () => {
    const pb = await signup(srv, 'pbcatch', { format: 'protobuf', WebSocket: recordingWebSocket, transport: 'ws' });
    const js = await signup(srv, 'jscatch');
    clients.push(pb, js);
    await pb.join(js.userId);
    await js.join(pb.userId);
    let atPb: readonly Message[] = [];
    pb.messages(js.userId).subscribe((l) => (atPb = l));
    pb.send(js.userId, { txt: 'before' });
    await waitFor(() => atPb.length === 1 && pb.pending === 0, 'the first message');

    Recorder.refuse = true;
    pb.drop();
    const M = 250;
    for (let i = 0; i < M; i++) {
      js.send(pb.userId, { txt: `missed${i}` });
    }
    await waitFor(() => js.pending === 0, 'the JSON side to have every send acknowledged');
    expect(atPb.length).toBe(1);
    const socketsBefore = Recorder.made.length;
    Recorder.refuse = false;
    await waitFor(() => atPb.length >= M + 1, () => `the catch-up (has ${atPb.length})`);
    await waitFor(() => pb.pending === 0, 'nothing pending');
    expect(texts(atPb)).toEqual(['before', ...Array.from({ length: M }, (_, i) => `missed${i}`)]);
    const sock = Recorder.made.at(-1)!;
    expect(Recorder.made.length).toBeGreaterThan(socketsBefore);
    expect(sock.binaryFrames).toBeLessThan(M); // pages arrive batched, not a frame per message
  });
});
