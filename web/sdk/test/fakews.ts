// A scripted stand-in for the server, behind the WebSocket API the SDK
// uses: it answers the handshake (hi, login, acc, sub) as Parley does and
// records every other frame for the test to answer with recorded frames.

import { Client, type ClientOptions, type WebSocketConstructor, type WebSocketLike } from '../src/index.js';

type Frame = Record<string, Record<string, unknown>>;

export class FakeWS implements WebSocketLike {
  static last: FakeWS | undefined;
  /** build is what the hi answer names: a Parley build takes {datares}, anything else gets note recv. */
  static build = 'parley:test';
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  /** sent holds the client's frames other than the handshake's. */
  readonly sent: Frame[] = [];
  /** subs holds the topic of each sub the client sent, in order (they are answered, not recorded in sent). */
  readonly subs: string[] = [];
  user = 'usrMe';

  constructor(readonly url: string) {
    FakeWS.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string): void {
    const f = JSON.parse(data) as Frame;
    const [kind, body] = Object.entries(f)[0]!;
    const id = body.id as string;
    switch (kind) {
      case 'hi':
        this.push({ ctrl: { id, code: 201, text: 'created', params: { ver: '0.25', build: FakeWS.build } } });
        return;
      case 'login':
      case 'acc':
        this.push({ ctrl: { id, code: 200, text: 'ok', params: { user: this.user, token: 'tok' } } });
        return;
      case 'sub':
        this.subs.push(String(body.topic));
        this.push({ ctrl: { id, topic: body.topic, code: 200, text: 'ok' } });
        this.push({ meta: { id, topic: body.topic, desc: { seq: 0 } } });
        this.push({ ctrl: { id, topic: body.topic, code: 204, text: 'no content', params: { what: 'data' } } });
        return;
    }
    this.sent.push(f);
  }

  /** push delivers a server frame on a later task, as a socket would. */
  push(f: object): void {
    queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(f) }));
  }

  /** pushNow delivers a server frame synchronously (a burst read from one socket buffer). */
  pushNow(f: object): void {
    this.onmessage?.({ data: JSON.stringify(f) });
  }

  close(): void {
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code: 1000 }));
  }

  /** next resolves with the first recorded frame of kind kind not taken yet. */
  async next(kind: string, ms = 2000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.sent.findIndex((f) => kind in f);
      if (i >= 0) {
        return this.sent.splice(i, 1)[0]![kind]!;
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${kind} frame within ${ms} ms; sent: ${JSON.stringify(this.sent)}`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }
}

/** connected returns a logged-in client on a FakeWS, and the fake. */
export async function connected(o: Partial<ClientOptions> = {}): Promise<{ c: Client; ws: FakeWS }> {
  const c = new Client({ host: 'fake', WebSocket: FakeWS as unknown as WebSocketConstructor, storage: false,
    ackDelayMs: 5, ...o });
  await c.connect();
  await c.login('me', 'secret');
  return { c, ws: FakeWS.last! };
}

/** until polls cond with a deadline. */
export async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
