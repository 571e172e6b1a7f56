// WidgetChat is the widget's conversation, apart from how it looks: it logs
// the customer in (as a visitor, or with the merchant's JWT), opens the
// service conversation, and publishes what the page shows — queue place,
// conversation state, connection, typing, unread — as one view object.
// The messages themselves come straight from the SDK's pool.

import { BehaviorSubject, filter, firstValueFrom, type Observable, type Subscription } from 'rxjs';
import { Client, CtrlError, type ConversationState, type Message, type OpenResult, type State } from '@parley-im/sdk';
import type { Bridge } from './bridge.js';
import type { WidgetConfig } from './config.js';

/** typingShownMs is how long "typing…" stays after the other side's last keystroke note. */
const typingShownMs = 4000;
/** typingEveryMs spaces out our own typing notes. */
const typingEveryMs = 3000;
/** tokenKey is where a visitor's Parley token is kept, so a reload is the same visitor. */
const tokenKey = 'parley-widget:visitor-token';
/** readKey is where the read mark of a conversation is kept. */
const readKey = (topic: string) => `parley-widget:read:${topic}`;
/** topicKey is where a customer's service topic is kept, to attach it without opening a conversation. */
const topicKey = (user: string) => `parley-widget:topic:${user}`;

/**
 * stateAfter is the conversation's state after each kind of event line. A
 * reopened conversation is with the robot until a "queued" line says it
 * went to the agents (a team without a robot posts one right after).
 */
const stateAfter: Record<string, ConversationState> = {
  queued: 'queued', reopened: 'bot', assigned: 'assigned', transferred: 'assigned', closed: 'closed',
};

export interface ChatView {
  phase: 'starting' | 'ready' | 'failed';
  error: string;
  topic: string;
  /** conv is the conversation's state as the server last told it. */
  conv: ConversationState | '';
  /**
   * position is the place in the queue (0: not known). It is shown only
   * while the conversation is queued: a queue notice can arrive after the
   * assignment that ended the wait.
   */
  position: number;
  link: State;
  /** everConnected tells a first connection from a reconnect (only the latter shows the banner). */
  everConnected: boolean;
  /** typing is true while the other side is typing. */
  typing: boolean;
  unread: number;
}

const initial: ChatView = {
  phase: 'starting', error: '', topic: '', conv: '', position: 0, link: 'connecting',
  everConnected: false, typing: false, unread: 0,
};

export class WidgetChat {
  readonly client: Client;
  readonly view$ = new BehaviorSubject<ChatView>(initial);
  private readonly subs: Subscription[] = [];
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTypingNote = 0;
  /** readSeq is the customer's read mark, kept across reloads so the badge does not count old messages. */
  private readSeq = 0;
  private list: readonly Message[] = [];
  /**
   * news counts the state changes heard from the server (event lines, queue
   * notices). An answer is applied only if none came while it was awaited:
   * they are newer than what the answer says.
   */
  private news = 0;
  /** eventSeq is the seq of the newest event line heard. */
  private eventSeq = 0;

  constructor(private readonly cfg: WidgetConfig, private readonly bridge: Bridge) {
    // Staff notes never reach a customer's client (the server keeps them
    // from it); the filter is a second lock on the same door.
    this.client = new Client({ host: location.host, filter: (m) => !m.private });
    this.subs.push(
      this.client.state$.subscribe((s) => this.patch({
        link: s.state, everConnected: this.view.everConnected || s.state === 'connected',
      })),
      // Shown again (the launcher opened it, the tab came back): what is on screen is read.
      bridge.visible$.subscribe((v) => v && this.seen()),
    );
    document.addEventListener('visibilitychange', () => this.seen());
  }

  get view(): ChatView {
    return this.view$.value;
  }

  /** start logs in and opens the conversation; on failure the view says why and start may be called again. */
  async start(): Promise<void> {
    this.patch({ phase: 'starting', error: '' });
    try {
      await this.client.connect();
      if (this.cfg.embedded && !this.bridge.visible$.value && !this.view.topic) {
        await this.resumeHidden();
      }
      if (!this.client.userId) {
        await this.login();
      }
      const news = this.news;
      const r = await this.client.service.open(this.cfg.team || undefined);
      const first = !this.view.topic;
      this.patch({ phase: 'ready', topic: r.topic });
      this.applyAnswer(r, news);
      saveValue(topicKey(this.client.userId), r.topic);
      if (first) {
        // After the answer: event lines that came with or before it (a quick
        // assignment) are newer than it, and listen applies them.
        this.attached(r.topic);
      }
    } catch (e) {
      this.patch({ phase: 'failed', error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * resumeHidden runs while embed.js keeps the chat behind its launcher.
   * Browsing a shop must not queue anyone or make visitor accounts, so only
   * a customer who chatted here before is logged in and attached to their
   * conversation (for the unread badge); the conversation is opened when
   * the customer opens the chat.
   */
  private async resumeHidden(): Promise<void> {
    if (this.cfg.auth === 'jwt' || readValue(tokenKey)) {
      await this.login();
      const topic = readValue(topicKey(this.client.userId));
      if (topic) {
        await this.client.join(topic);
        this.patch({ phase: 'ready', topic });
        this.attached(topic);
      }
    }
    await firstValueFrom(this.bridge.visible$.pipe(filter((v) => v)));
  }

  private attached(topic: string): void {
    this.readSeq = Number(readValue(readKey(topic))) || 0;
    this.listen(topic);
  }

  messages(): Observable<readonly Message[]> {
    return this.client.messages(this.view.topic);
  }

  send(text: string): void {
    const t = text.trim();
    if (t && this.view.topic) {
      this.client.send(this.view.topic, t);
    }
  }

  sendFile(file: File): void {
    if (this.view.topic) {
      this.client.sendFile(this.view.topic, file);
    }
  }

  resend(m: Message): void {
    this.client.resend(m);
  }

  /** human asks for a person (conv.human), or opens a new conversation after a close; the answer carries the queue place. */
  async human(): Promise<void> {
    const news = this.news;
    const r = this.view.conv === 'closed'
      ? await this.client.service.open(this.cfg.team || undefined) // a new conversation
      : await this.client.service.human(this.view.topic);
    this.applyAnswer(r, news);
  }

  /**
   * applyAnswer takes state and queue place from the answer to a request
   * issued when news was at since, unless an event line or queue notice came
   * meanwhile: a customer routed at once hears "assigned" before the answer
   * that still says "queued".
   */
  private applyAnswer(r: OpenResult, since: number): void {
    if (this.news === since) {
      this.patch({ conv: r.state, position: r.position ?? 0 });
    }
  }

  /** typed sends a typing note, at most one per typingEveryMs. */
  typed(): void {
    const now = Date.now();
    if (this.view.topic && now - this.lastTypingNote >= typingEveryMs) {
      this.lastTypingNote = now;
      this.client.noteTyping(this.view.topic);
    }
  }

  /** seen marks the others' messages up to the newest as read, when the customer can see them. */
  seen(): void {
    if (!this.bridge.visible$.value || document.visibilityState !== 'visible') {
      return;
    }
    for (let i = this.list.length - 1; i >= 0; i--) {
      const m = this.list[i]!;
      if (!m.own && m.seq > 0) {
        if (m.seq > this.readSeq) {
          this.readSeq = m.seq;
          saveValue(readKey(m.topic), String(m.seq));
          this.client.noteRead(m.topic, m.seq);
          this.countUnread();
        }
        return;
      }
    }
  }

  close(): void {
    this.subs.forEach((s) => s.unsubscribe());
    clearTimeout(this.typingTimer);
    this.client.close();
  }

  private async login(): Promise<void> {
    if (this.cfg.auth === 'jwt') {
      await this.client.loginJwt(this.cfg.jwt || (await this.bridge.requestJwt()));
      return;
    }
    const saved = readValue(tokenKey);
    if (saved) {
      try {
        await this.client.loginToken(saved);
        saveValue(tokenKey, this.client.token);
        return;
      } catch (e) {
        if (!(e instanceof CtrlError)) {
          throw e;
        }
        // The token expired or its visitor is gone: come as a new visitor.
      }
    }
    await this.client.signupAnonymous(this.cfg.name ? { fn: this.cfg.name } : undefined);
    saveValue(tokenKey, this.client.token);
  }

  private listen(topic: string): void {
    this.subs.push(
      this.client.service.queue$.subscribe((q) => {
        if (q.topic === topic) {
          this.news++;
          this.patch({ position: q.position });
        }
      }),
      this.client.typing$.subscribe((t) => {
        if (t.topic === topic && t.from !== this.client.userId) {
          this.showTyping();
        }
      }),
      this.client.message$.subscribe((m) => {
        if (m.topic === topic && !m.own && this.view.typing) {
          this.patch({ typing: false }); // their message is what they were typing
        }
      }),
      this.client.messages(topic).subscribe((list) => {
        this.list = list;
        this.followEvents();
        this.countUnread();
      }),
    );
  }

  /**
   * followEvents takes the conversation's state from its newest event line.
   * Events are messages in seq order, so the list is the truth, including
   * those that arrived before the page was listening (history, a quick
   * assignment right after service.open).
   */
  private followEvents(): void {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const line = this.list[i]!;
      const event = line.head.event;
      if (typeof event !== 'string') {
        continue;
      }
      if (line.seq > this.eventSeq) {
        this.eventSeq = line.seq;
        this.news++;
      }
      const conv = stateAfter[event];
      if (conv && conv !== this.view.conv) {
        this.patch(conv === 'queued' ? { conv } : { conv, position: 0, typing: false });
      }
      return;
    }
  }

  /**
   * countUnread counts the people's and robot's messages after the read
   * mark: event lines ("a person joined") are no reason for a badge.
   */
  private countUnread(): void {
    let unread = 0;
    for (let i = this.list.length - 1; i >= 0; i--) {
      const m = this.list[i]!;
      if (m.seq > 0 && m.seq <= this.readSeq) {
        break;
      }
      if (!m.own && m.seq > 0 && typeof m.head.event !== 'string') {
        unread++;
      }
    }
    if (unread !== this.view.unread) {
      this.patch({ unread });
    }
    this.bridge.unread(unread);
  }

  private showTyping(): void {
    clearTimeout(this.typingTimer);
    this.patch({ typing: true });
    this.typingTimer = setTimeout(() => this.patch({ typing: false }), typingShownMs);
  }

  private patch(p: Partial<ChatView>): void {
    this.view$.next({ ...this.view$.value, ...p });
  }
}

// Storage may be refused (privacy settings, some third-party iframes): the
// visitor is then new on each load, and nothing else breaks.
function readValue(key: string): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

function saveValue(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // see readValue
  }
}
