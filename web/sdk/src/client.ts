// The application layer's entry point: a Client is one user's connection to
// a Parley (or Tinode) server. It wires the network layer (Link), the data
// link (pools, outbox, trackers) and the observables the UI subscribes to.

import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { Conversation, type ConversationSummary } from './conversation.js';
import { Files, type FileInput, type SendFileOptions } from './files.js';
import { localMessage, newMsgId, type Content, type Message, type Status } from './message.js';
import { webSocketDialer, type Dialer } from './net/conn.js';
import { lazyProtobufDialer } from './net/lazy.js';
import { Link, type ConnState } from './net/link.js';
import { longPollDialer } from './net/longpoll.js';
import { hostsOf, resolve, urls, type ClientOptions, type Resolved } from './options.js';
import { rotating } from './net/failover.js';
import { Outbox } from './outbox.js';
import { Receiver } from './receive.js';
import { Requests } from './requests.js';
import { Sender } from './sender.js';
import { ServiceDesk } from './service.js';
import { Slicer, type SliceStats } from './slicer.js';
import { defaultStorage, MemoryStorage, type Storage } from './storage.js';
import { base64, type Ctrl } from './wire.js';
import { Session } from './session.js';
import { loadOlder, MetaWaiters, type Member } from './topicmeta.js';

/** StatusChange reports a message's new status (and seq, once it has one). */
export interface StatusChange {
  message: Message;
  status: Status;
  seq: number;
}

/** Typing reports that `from` is typing in `topic`. */
export interface Typing {
  topic: string;
  from: string;
}

/** Receipt reports that `from` received (`recv`) or read (`read`) topic's messages up to seq. */
export interface Receipt {
  topic: string;
  from: string;
  what: 'recv' | 'read';
  seq: number;
}

/** Client is one user's connection. Create it, connect, log in, join conversations, send. */
export class Client {
  /** @internal */ readonly o: Resolved;
  /** @internal */ readonly link: Link;
  /** @internal */ readonly requests: Requests;
  /** @internal */ readonly storage: Storage;
  /** @internal */ readonly outbox: Outbox;
  /** @internal */ readonly convs = new Map<string, Conversation>();
  /** @internal */ readonly dirty = new Set<Conversation>();
  /** @internal conversations that received messages in this slice: their gaps are judged at its end. */
  readonly gapCheck = new Set<Conversation>();
  /** @internal */ readonly slicer: Slicer<{ gen: number; text: string }>;
  /** @internal */ readonly session: Session;
  /** @internal */ readonly sender: Sender;
  /** @internal */ readonly receiver: Receiver;
  /** @internal */ readonly files: Files;
  /** @internal */ readonly metaWaiters = new MetaWaiters();
  /** @internal */ gen = 0;
  /** @internal */ ready = false;

  /** @internal */ readonly messageSubject = new Subject<Message>();
  /** @internal */ readonly statusSubject = new Subject<StatusChange>();
  /** @internal */ readonly typingSubject = new Subject<Typing>();
  /** @internal */ readonly receiptSubject = new Subject<Receipt>();
  /** @internal */ readonly convsSubject = new BehaviorSubject<ConversationSummary[]>([]);

  /** service holds the customer-service actions and events. */
  readonly service: ServiceDesk;

  constructor(options: ClientOptions) {
    this.o = resolve(options);
    const nodes = hostsOf(this.o).map((h) => urls(this.o, h));
    const wsDialer: (url: string, Ctor: ClientOptions['WebSocket']) => Dialer =
      this.o.format === 'protobuf' ? lazyProtobufDialer : webSocketDialer;
    const ws = this.o.transport !== 'lp' ? rotating(nodes.map((u) => wsDialer(u.ws, this.o.WebSocket))) : undefined;
    const lp = this.o.transport !== 'ws' ? rotating(nodes.map((u) => longPollDialer(u.lp, this.o.fetch))) : undefined;
    this.storage = options.storage === false ? new MemoryStorage() : options.storage ?? defaultStorage(this.o.storageName);
    this.requests = new Requests(this.o.requestTimeoutMs);
    this.outbox = new Outbox({ timeoutMs: this.o.sendTimeoutMs, maxAttempts: this.o.maxAttempts,
      maxInFlight: this.o.maxInFlight });
    this.slicer = new Slicer((f) => this.onFrame(f.gen, f.text), () => this.publishDirty(), this.o.sliceBudgetMs);
    this.session = new Session(this);
    this.sender = new Sender(this);
    this.receiver = new Receiver(this);
    this.files = new Files(this);
    this.service = new ServiceDesk(this);
    this.link = new Link({ ws, lp, backoffBaseMs: this.o.backoffBaseMs, backoffMaxMs: this.o.backoffMaxMs,
      healthyAfterMs: this.o.healthyAfterMs, probeEveryMs: this.o.probeEveryMs,
      probeTimeoutMs: this.o.probeTimeoutMs, fallbackAfter: this.o.fallbackAfter }, {
      up: (gen) => this.session.up(gen),
      frame: (gen, text) => this.slicer.push({ gen, text }),
      down: (gen) => this.down(gen),
    });
  }

  /** connect starts the connection (kept up until close) and resolves when the server answered hi. */
  connect(): Promise<void> {
    return this.session.connect();
  }

  /** login logs in with a login name and password; after a reconnect the client logs in again by itself. */
  login(login: string, password: string): Promise<void> {
    return this.session.login({ scheme: 'basic', secret: base64(`${login}:${password}`) });
  }

  /** loginToken logs in with a token from an earlier login (see token). */
  loginToken(token: string): Promise<void> {
    return this.session.login({ scheme: 'token', secret: token });
  }

  /**
   * loginJwt logs a customer in with a JWT the merchant's backend signed
   * (scheme jwt). Reconnects log in again with the Parley token the answer
   * carries, so the JWT may expire soon after this login.
   */
  loginJwt(jwt: string): Promise<void> {
    return this.session.login({ scheme: 'jwt', secret: jwt });
  }

  /** signup creates an account with a login and password and logs in with it. */
  signup(login: string, password: string, pub?: unknown): Promise<void> {
    return this.session.signup('basic', base64(`${login}:${password}`), pub);
  }

  /** signupAnonymous creates an anonymous account (a visitor) and logs in; its token is the only way back. */
  signupAnonymous(pub?: unknown): Promise<void> {
    return this.session.signup('anonymous', '', pub);
  }

  /** userId is the logged-in user ("usr…"), or "". */
  get userId(): string {
    return this.session.user;
  }

  /** token is the latest login token; it survives server restarts. */
  get token(): string {
    return this.session.token;
  }

  /** deviceId is sent as hi.dev on every connection. */
  get deviceId(): string {
    return this.session.device;
  }

  /**
   * join attaches to a conversation ("usr…" one-to-one, "grp…", "new…" to
   * create a group) and loads its recent history. While offline it only
   * registers the topic; it is attached when the connection returns, and
   * again after every reconnect. Resolves with the topic's name.
   */
  async join(topic: string): Promise<string> {
    const cv = this.conv(topic);
    if (this.ready) {
      return this.session.attach(this.gen, cv);
    }
    return topic;
  }

  /**
   * send shows a message at once and sends it in the background: the
   * message returned is already in the conversation's pool with status
   * `sending`, and subscribers have it, before anything touches the network.
   * It is retried with the same msgid until the server stores it, across
   * reconnects and (with IndexedDB) page reloads.
   */
  send(topic: string, content: Content, head?: Record<string, unknown>): Message {
    const cv = this.conv(topic);
    const m = localMessage(topic, newMsgId(), this.userId, content, head);
    const afterSeq = cv.pool.maxSeq;
    cv.pool.addLocal(m, afterSeq);
    this.messageSubject.next(m);
    cv.publish();
    this.publishList();
    this.sender.enqueue({ topic, msgid: m.msgid, content, head, user: this.userId,
      order: this.outbox.nextOrder(), afterSeq });
    this.attachIfIdle(cv);
    return m;
  }

  /**
   * sendFile shows a file message at once (status `sending`, a Drafty
   * attachment entity without its ref yet) and sends it in the background,
   * in its place: the upload (POST /v0/file/u/, with fetch) is the first
   * step of its send, and the messages sent after it are shown after it at
   * once but wait behind it in the conversation's outbox, so no one receives
   * them before the file. When the upload is done the message's content gets
   * the file's URL (an IM entity with width, height and preref for an image
   * the server read) and the pub goes out listing it in extra.attachments.
   * If the upload fails the message is `failed` (resend uploads it again)
   * and the sends behind it go on. The file lives in memory only: a page
   * reload during the upload loses the file message; the sends behind it are
   * kept and go out.
   */
  sendFile(topic: string, file: FileInput, opts?: SendFileOptions): Message {
    return this.files.send(topic, file, opts);
  }

  /** @internal attachIfIdle attaches cv on the live connection unless it is attached or attaching. */
  attachIfIdle(cv: Conversation): void {
    if (this.ready && cv.attached === 0 && cv.attaching === 0) {
      void this.session.attach(this.gen, cv).catch(() => undefined);
    }
  }

  /** resend queues a failed message again with its original msgid. */
  resend(m: Message): void {
    this.sender.resend(m);
  }

  /** messages emits the conversation's messages in display order whenever they change. */
  messages(topic: string): Observable<readonly Message[]> {
    return this.conv(topic).list$.asObservable();
  }

  /** messagesNow is the conversation's messages in display order right now (read-only). */
  messagesNow(topic: string): readonly Message[] {
    return this.convs.get(topic)?.pool.items ?? [];
  }

  /** message$ emits every message entering a pool: sent from here or received (and kept by the filter). */
  get message$(): Observable<Message> {
    return this.messageSubject.asObservable();
  }

  /** status$ emits every change of a message's status or seq. */
  get status$(): Observable<StatusChange> {
    return this.statusSubject.asObservable();
  }

  get typing$(): Observable<Typing> {
    return this.typingSubject.asObservable();
  }

  get receipt$(): Observable<Receipt> {
    return this.receiptSubject.asObservable();
  }

  /** conversations$ emits the conversation list (unread counts, last message) when it changes. */
  get conversations$(): Observable<ConversationSummary[]> {
    return this.convsSubject.asObservable();
  }

  /** state$ emits the connection's state, starting with the current one. */
  get state$(): Observable<ConnState> {
    return this.link.state$;
  }

  /** noteRead tells the others that this user read topic up to seq. */
  noteRead(topic: string, seq: number): void {
    const cv = this.conv(topic);
    cv.markRead(seq);
    this.publishList();
    this.write({ note: { topic, what: 'read', seq } });
  }

  /** noteTyping tells the others that this user is typing in topic. */
  noteTyping(topic: string): void {
    this.write({ note: { topic, what: 'kp' } });
  }

  /** stats are the incoming-work slices run so far (the longest is what a freeze would be). */
  get stats(): SliceStats {
    return this.slicer.stats;
  }

  /** pending is how many sends wait for their acknowledgement. */
  get pending(): number {
    return this.outbox.size;
  }

  /** persisted resolves when every outbox change so far is in storage. */
  persisted(): Promise<void> {
    return this.storage.flush();
  }

  /** drop closes the connection as a network failure would; the client reconnects (for fault tests). */
  drop(): void {
    this.link.drop();
  }

  /** close ends the connection and stops the client. Unsent messages stay in storage for the next client. */
  close(): void {
    this.link.close();
    this.slicer.stop();
    this.sender.stop();
    this.files.stop();
    this.receiver.stop();
    this.storage.close();
    this.messageSubject.complete();
    this.statusSubject.complete();
    this.typingSubject.complete();
    this.receiptSubject.complete();
    this.convsSubject.complete();
    for (const cv of this.convs.values()) {
      cv.list$.complete();
    }
    this.service.stop();
  }

  /**
   * members lists a joined conversation's subscribers with their public
   * cards (`fn` is the display name) and what the server vouches for
   * (`trusted`: a customer's `verified`, `scheme` and the merchant's
   * `claims`). Rejects with DisconnectedError while offline, CtrlError
   * when the server refuses; a conversation this session has not joined
   * lists only this user.
   */
  members(topic: string): Promise<Member[]> {
    return this.metaWaiters.members(this, topic);
  }

  /**
   * loadOlder fetches the page of at most `limit` messages before seq
   * `before` of a joined conversation; they reach messages(topic) in seq
   * order like any others. Resolves false without asking when there is
   * nothing older (before ≤ 1), true once the server has answered.
   * Rejects with DisconnectedError while offline, CtrlError when refused.
   */
  loadOlder(topic: string, before: number, limit = 50): Promise<boolean> {
    return loadOlder(this, topic, before, limit);
  }

  /** @internal conv returns the conversation for topic, creating it. */
  conv(topic: string): Conversation {
    let cv = this.convs.get(topic);
    if (!cv) {
      cv = new Conversation(topic);
      this.convs.set(topic, cv);
    }
    return cv;
  }

  /** @internal write sends a frame on the live connection; false while offline. */
  write(msg: object): boolean {
    return this.link.write(this.gen, JSON.stringify(msg));
  }

  /** @internal request sends a frame with a fresh id and waits for the ctrl that completes it. */
  request(build: (id: string) => object, done?: (c: Ctrl) => boolean, gen = this.gen): Promise<Ctrl> {
    const id = this.requests.id();
    const p = this.requests.wait(id, gen, done);
    if (gen !== this.gen || !this.link.write(gen, JSON.stringify(build(id)))) {
      this.requests.cancel(id);
    }
    return p;
  }

  /** @internal emitStatus publishes m's current status. */
  emitStatus(m: Message): void {
    this.statusSubject.next({ message: m, status: m.status, seq: m.seq });
  }

  /** @internal publishList publishes the conversation list. */
  publishList(): void {
    this.convsSubject.next([...this.convs.values()].map((cv) => cv.summary()));
  }

  private onFrame(gen: number, text: string): void {
    if (gen !== this.gen) {
      return; // a frame of a connection that ended while it waited
    }
    this.receiver.frame(text);
  }

  private publishDirty(): void {
    for (const cv of this.gapCheck) {
      this.receiver.fillGap(cv.attached, cv);
    }
    this.gapCheck.clear();
    if (this.dirty.size === 0) {
      return;
    }
    for (const cv of this.dirty) {
      cv.publish();
    }
    this.dirty.clear();
    this.publishList();
  }

  private down(gen: number): void {
    this.gen = 0;
    this.ready = false;
    this.requests.failGen(gen);
    this.sender.connectionLost();
    for (const cv of this.convs.values()) {
      cv.detach();
      cv.track.forgetAck();
    }
  }
}
