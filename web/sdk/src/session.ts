// Setting a connection up: hi (with the device id), login (again, by
// itself, after every reconnect: the newest token first, the password if
// the token is refused), restoring the outbox a previous page left, and
// attaching each conversation with a fetch of what it missed.

import type { Client } from './client.js';
import type { Conversation } from './conversation.js';
import { localMessage } from './message.js';
import type { OutboxItem } from './outbox.js';
import { CtrlError } from './requests.js';
import { code, protocolVersion, str, type Ctrl } from './wire.js';

interface Credentials {
  scheme: 'basic' | 'token' | 'anonymous' | 'jwt';
  secret: string;
}

/** deviceKey is where the device id is kept in storage. */
const deviceKey = 'device';

/** isDataEnd recognises the ctrl that ends a get's data part. */
const isDataEnd = (c: Ctrl) => str(c.params, 'what') === 'data';

export class Session {
  user = '';
  token = '';
  device = '';
  /** server is 'parley' when the hi answer names a Parley build: it takes {datares}; a Tinode server gets note recv. */
  server: 'parley' | 'tinode' = 'parley';
  private creds: Credentials | undefined;
  private saved: OutboxItem[] | undefined;
  private hello: Promise<void> | undefined;
  private helloDone: (() => void) | undefined;

  constructor(private readonly c: Client) {}

  async connect(): Promise<void> {
    if (!this.hello) {
      this.hello = new Promise((r) => (this.helloDone = r));
      const loaded = await this.load();
      this.device = loaded?.device || this.c.o.deviceId || newDeviceId();
      if (!loaded?.device && !this.c.o.deviceId) {
        this.c.storage.setValue(deviceKey, this.device);
      }
      this.c.link.start();
    }
    return this.hello;
  }

  /**
   * load reads the device id and the saved outbox, waiting at most
   * storageWaitMs: a slow or silent IndexedDB must not keep the client
   * offline. What comes later is restored then; storage that fails costs
   * the previous page's sends, not the connection.
   */
  private async load(): Promise<{ device: string | undefined } | undefined> {
    const reads = Promise.all([
      this.c.o.deviceId ?? this.c.storage.getValue(deviceKey).catch(() => undefined),
      this.c.storage.loadOutbox().catch(() => [] as OutboxItem[]),
    ]);
    let late = false;
    void reads.then(([, saved]) => {
      this.saved = [...(this.saved ?? []), ...saved];
      if (late && this.c.ready) {
        this.restore(); // logged in meanwhile: put them back now
        for (const cv of this.c.convs.values()) {
          this.attach(this.c.gen, cv).catch(() => undefined);
        }
        this.c.sender.flushSoon();
      }
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), this.c.o.storageWaitMs)));
    const got = await Promise.race([reads, waited]);
    clearTimeout(timer);
    late = got === undefined;
    return got && { device: got[0] };
  }

  /** up sets a new connection up. Failures drop it, and the link reconnects with backoff. */
  up(gen: number): void {
    this.c.gen = gen;
    this.c.ready = false;
    this.establish(gen).catch((e: unknown) => {
      if (this.c.gen === gen) {
        this.c.link.drop(`setup failed: ${String(e)}`);
      }
    });
  }

  private async establish(gen: number): Promise<void> {
    const hi = await this.c.request((id) => ({ hi: { id, ver: protocolVersion, ua: this.c.o.userAgent,
      dev: this.device } }), undefined, gen);
    this.server = str(hi.params, 'build').startsWith('parley') ? 'parley' : 'tinode';
    this.helloDone?.();
    const cred: Credentials | undefined = this.token ? { scheme: 'token', secret: this.token } : this.creds;
    if (!cred) {
      return; // not logged in yet: login or signup finishes the setup
    }
    try {
      await this.doLogin(gen, cred);
    } catch (e) {
      if (!(e instanceof CtrlError) || !this.creds || cred === this.creds) {
        throw e;
      }
      await this.doLogin(gen, this.creds); // the token expired or was revoked: the password still works
    }
  }

  async login(cred: Credentials): Promise<void> {
    await this.doLogin(this.c.gen, cred);
    if (cred.scheme === 'basic') {
      this.creds = cred;
    }
  }

  async signup(scheme: 'basic' | 'anonymous', secret: string, pub: unknown): Promise<void> {
    const gen = this.c.gen;
    const ctrl = await this.c.request((id) => ({ acc: { id, user: 'new', scheme, secret, login: true,
      desc: pub === undefined ? undefined : { public: pub } } }), undefined, gen);
    if (scheme === 'basic') {
      this.creds = { scheme, secret };
    }
    this.loggedIn(gen, ctrl);
  }

  private async doLogin(gen: number, cred: Credentials): Promise<void> {
    const ctrl = await this.c.request((id) => ({ login: { id, scheme: cred.scheme, secret: cred.secret } }),
      undefined, gen);
    this.loggedIn(gen, ctrl);
  }

  /** loggedIn records the user and token, restores saved sends, and attaches every conversation. */
  private loggedIn(gen: number, ctrl: Ctrl): void {
    this.user = str(ctrl.params, 'user') || this.user;
    this.token = str(ctrl.params, 'token') || this.token;
    if (this.c.gen !== gen) {
      return;
    }
    this.c.ready = true;
    this.restore();
    for (const cv of this.c.convs.values()) {
      this.attach(gen, cv).catch(() => undefined);
    }
    this.c.sender.flushSoon();
  }

  /**
   * restore puts the sends a previous client left in storage (this user's
   * only) back into their pools and the outbox, with their msgids, so they
   * go out again and the server's deduplication keeps them single.
   */
  private restore(): void {
    const saved = this.saved;
    this.saved = undefined;
    if (!saved?.length) {
      return;
    }
    for (const it of saved ?? []) {
      if (it.user !== this.user || this.c.outbox.has(it.msgid)) {
        continue;
      }
      const cv = this.c.conv(it.topic);
      cv.pool.addLocal(localMessage(it.topic, it.msgid, it.user, it.content, it.head), it.afterSeq);
      this.c.outbox.add(it);
      this.c.dirty.add(cv);
    }
    for (const cv of this.c.dirty) {
      cv.publish();
    }
    this.c.dirty.clear();
    this.c.publishList();
  }

  /**
   * attach subscribes cv on connection gen, asking in the same frame for
   * its description, members and the messages after the last one it has
   * (or the recent history the first time). Parley then pushes nothing on
   * top of that page; the gap filler fetches the rest. Sends to the
   * conversation may go as soon as the subscription is answered.
   */
  async attach(gen: number, cv: Conversation): Promise<string> {
    if (cv.attached === gen || cv.attaching === gen) {
      return cv.topic;
    }
    cv.attaching = gen;
    cv.busy++;
    const data = cv.track.started ? { since: cv.track.floor + 1 } : { limit: this.c.o.history };
    try {
      await this.c.request((id) => ({ sub: { id, topic: cv.topic, get: { what: 'desc sub data', data } } }),
        (ctrl) => {
          if (isDataEnd(ctrl)) {
            return true;
          }
          this.subscribed(gen, cv, ctrl);
          return false;
        }, gen);
    } catch (e) {
      if (!(e instanceof CtrlError && e.code === code.notModified)) {
        if (cv.attaching === gen) {
          cv.attaching = 0;
          cv.busy = Math.max(cv.busy - 1, 0);
        }
        throw e;
      }
      cv.attached = gen; // already attached on this connection
    }
    if (cv.attaching === gen) {
      cv.attaching = 0;
      cv.busy = Math.max(cv.busy - 1, 0);
    }
    cv.track.start(0); // no description came: an empty topic
    this.c.receiver.fillGap(gen, cv);
    this.c.receiver.scheduleAck();
    return cv.topic;
  }

  /** subscribed handles the sub's own answer, before the history that follows it. */
  private subscribed(gen: number, cv: Conversation, ctrl: Ctrl): void {
    if (ctrl.topic && ctrl.topic !== cv.topic && cv.topic.startsWith('new')) {
      // A new group: the server named it. Later frames use that name.
      this.c.convs.delete(cv.topic);
      cv.rename(ctrl.topic);
      this.c.convs.set(cv.topic, cv);
    }
    cv.attached = gen;
    this.c.sender.flushSoon(); // showing what the user wrote comes before history
  }
}

/** newDeviceId makes up a device id: 128 random bits, hex (the server accepts letters and digits). */
function newDeviceId(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return 'web-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
