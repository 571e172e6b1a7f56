// Desk is the workbench's model over one signed-in SDK client: which
// conversations are this agent's, the supervisor's view of the desk, labels,
// who is typing, quick replies. Components read its observables; nothing in
// here touches the DOM.

import { BehaviorSubject, Subscription } from 'rxjs';
import type { AgentStatus, Client, DeskState, QuickReply } from '@parley-im/sdk';
import { People } from './people';

/** typingFor is how long a typing indicator stays after the last {note kp}. */
const typingFor = 4000;

/** deskRefreshDelay batches bursts of desk events into one desk.state read. */
const deskRefreshDelay = 250;

export class Desk {
  /** mine$ is the conversations assigned to this agent (and joined by this supervisor), newest first. */
  readonly mine$: BehaviorSubject<string[]>;
  readonly supervisor$ = new BehaviorSubject(false);
  readonly state$ = new BehaviorSubject<DeskState | undefined>(undefined);
  readonly status$ = new BehaviorSubject<AgentStatus>('offline');
  /** staff$ is the staff user ids this page knows (the supervisor's desk lists them). */
  readonly staff$ = new BehaviorSubject<ReadonlySet<string>>(new Set());
  readonly labels$ = new BehaviorSubject<ReadonlyMap<string, string[]>>(new Map());
  readonly typing$ = new BehaviorSubject<ReadonlyMap<string, number>>(new Map());
  readonly replies$ = new BehaviorSubject<QuickReply[]>([]);
  readonly error$ = new BehaviorSubject<string>('');
  /** people is the names and profiles of the conversations' members. */
  readonly people: People;
  private readonly subs = new Subscription();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly mineKey: string;

  constructor(readonly client: Client) {
    // The server tells an agent about an assignment once, as it happens; the
    // list is kept per user so a reload still shows (and re-joins) them.
    this.mineKey = `parley-workbench-mine-${client.userId}`;
    this.mine$ = new BehaviorSubject<string[]>(readList(this.mineKey));
    this.people = new People(client);
    this.subs.add(this.state$.subscribe((d) => {
      if (d) {
        this.staff$.next(new Set([...this.staff$.value, ...d.agents.map((a) => a.user)]));
      }
    }));
  }

  /** start attaches me and the kept conversations, and learns the role. */
  async start(): Promise<void> {
    const s = this.client.service;
    this.subs.add(s.assigned$.subscribe((t) => this.adopt(t)));
    this.subs.add(s.released$.subscribe((t) => this.drop(t)));
    this.subs.add(this.client.typing$.subscribe((t) => this.noteTyping(t.topic)));
    this.subs.add(s.desk$.subscribe(() => this.scheduleRefresh()));
    this.subs.add(this.client.state$.subscribe((st) => {
      // desk$ is not retransmitted: after a reconnect the snapshot is read again.
      if (st.state === 'connected' && this.supervisor$.value) {
        void s.watchDesk().then((d) => this.state$.next(d), () => undefined);
      }
    }));
    await this.client.join('me');
    for (const t of this.mine$.value) {
      this.client.join(t).then(() => this.people.load(t), () => this.drop(t));
    }
    try {
      this.state$.next(await s.watchDesk());
      this.supervisor$.next(true);
    } catch {
      this.supervisor$.next(false); // agents are refused desk.state (403)
    }
    void this.loadReplies();
  }

  stop(): void {
    this.subs.unsubscribe();
    clearTimeout(this.refreshTimer);
  }

  async setStatus(status: AgentStatus): Promise<void> {
    try {
      const r = await this.client.service.setStatus(status);
      this.status$.next(r.status);
    } catch (e) {
      this.fail(e);
    }
  }

  adopt(topic: string): void {
    if (!this.mine$.value.includes(topic)) {
      this.setMine([topic, ...this.mine$.value]);
    }
    this.client.join(topic).then(() => this.people.load(topic), (e: unknown) => this.fail(e));
  }

  drop(topic: string): void {
    if (this.mine$.value.includes(topic)) {
      this.setMine(this.mine$.value.filter((t) => t !== topic));
    }
  }

  /** supervise joins a conversation as a supervisor (conv.join) and keeps it in Mine. */
  async supervise(topic: string): Promise<void> {
    try {
      await this.client.service.join(topic);
      this.adopt(topic);
    } catch (e) {
      this.fail(e);
    }
  }

  async label(topic: string, change: { add?: string[]; remove?: string[] }): Promise<void> {
    try {
      const all = await this.client.service.label(topic, change);
      const next = new Map(this.labels$.value);
      next.set(topic, all);
      this.labels$.next(next);
    } catch (e) {
      this.fail(e);
    }
  }

  async transfer(topic: string, to: string): Promise<boolean> {
    try {
      await this.client.service.transfer(topic, to);
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  async close(topic: string): Promise<void> {
    try {
      await this.client.service.close(topic);
    } catch (e) {
      this.fail(e);
    }
  }

  async loadReplies(): Promise<void> {
    try {
      this.replies$.next(await this.client.service.replies());
    } catch {
      this.replies$.next([]);
    }
  }

  isTyping(topic: string, now: number): boolean {
    return (this.typing$.value.get(topic) ?? 0) + typingFor > now;
  }

  private noteTyping(topic: string): void {
    const next = new Map(this.typing$.value);
    next.set(topic, Date.now());
    this.typing$.next(next);
  }

  private setMine(list: string[]): void {
    localStorage.setItem(this.mineKey, JSON.stringify(list));
    this.mine$.next(list);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer !== undefined || !this.supervisor$.value) {
      return;
    }
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.client.service.deskState().then((d) => this.state$.next(d), (e: unknown) => this.fail(e));
    }, deskRefreshDelay);
  }

  private fail(e: unknown): void {
    this.error$.next(e instanceof Error ? e.message : String(e));
  }
}

function readList(key: string): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
