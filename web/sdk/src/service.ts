// Customer service on the wire: typed methods for the {action} requests of
// the customer-service contract (service.open, agent.status, conv.transfer,
// conv.close, conv.human, queue.position, desk.state), and the events that
// contract defines — conversation events (messages with head.event),
// queue positions ({info what:"queue"}), assignments ({pres what:"acs"} on
// me) — and the message policy's review verdicts ({info what:"review"}).
// The agent tools: quick replies (reply.list/save/delete), labels
// (conv.label), private notes (pub with head.private), and for supervisors
// conv.join, desk.metrics and the live desk view ({info what:"desk"} on me).

import { Subject, type Observable } from 'rxjs';
import type { Client } from './client.js';
import type { Content, Message } from './message.js';
import { num, str, type Info, type Params, type Pres } from './wire.js';

/** ConversationState is where a service conversation is. */
export type ConversationState = 'bot' | 'queued' | 'assigned' | 'closed';

/** AgentStatus is an agent's availability. */
export type AgentStatus = 'online' | 'busy' | 'away' | 'offline';

/** ConversationEventKind is a transition of a service conversation. */
export type ConversationEventKind = 'queued' | 'assigned' | 'transferred' | 'closed' | 'reopened';

/**
 * ConversationEvent is one transition, carried as a message of the service
 * topic with head.event (so it has a seq and survives reconnects like any
 * message). detail merges the fields of head (other than event and msgid)
 * and of an object content: agent, from, to, by, reason…
 */
export interface ConversationEvent {
  topic: string;
  seq: number;
  event: ConversationEventKind | string;
  detail: Record<string, unknown>;
  message: Message;
}

/** QueuePosition is a waiting customer's place in the queue. */
export interface QueuePosition {
  topic: string;
  position: number;
  /** etaSeconds is the server's estimate of the wait, when it gives one. */
  etaSeconds?: number;
}

/** OpenResult is the answer to service.open and conv.human. */
export interface OpenResult {
  topic: string;
  state: ConversationState;
  position?: number;
  /** etaSeconds is the server's estimate of the wait, when it gives one. */
  etaSeconds?: number;
}

/** AgentLoad is an agent's status and load. */
export interface AgentLoad {
  user?: string;
  status: AgentStatus;
  load: number;
  capacity: number;
}

/** AgentState is one agent in desk.state: load, teams and the service topics they hold. */
export interface AgentState extends AgentLoad {
  user: string;
  teams: string[];
  conversations: string[];
}

/** QueueEntry is one waiting conversation in desk.state (oldest first). */
export interface QueueEntry {
  topic: string;
  team: string;
  since: string;
}

/** DeskState is the supervisor's snapshot of agents and queue (the 500 oldest waiting; queued counts all, per team). */
export interface DeskState {
  agents: AgentState[];
  queue: QueueEntry[];
  queued: Record<string, number>;
}

/** DeskEventKind is what a {info what:"desk"} update reports. */
export type DeskEventKind = 'queued' | 'assigned' | 'unassigned' | 'transferred' | 'closed' | 'reopened' | 'status';

/**
 * DeskEvent is one live change sent to online supervisors and admins
 * ({info what:"desk"} on me): a conversation's transition (topic, team, new
 * state, the agent concerned) or an agent's new status. Not retransmitted:
 * after a reconnect call deskState again.
 */
export interface DeskEvent {
  event: DeskEventKind | string;
  topic?: string;
  team?: string;
  state?: ConversationState;
  agent?: string;
  status?: AgentStatus;
}

/** ReplyScope is "personal" or "team:NAME". */
export type ReplyScope = 'personal' | `team:${string}`;

/** QuickReply is a saved answer an agent inserts by key. */
export interface QuickReply {
  scope: ReplyScope;
  key: string;
  text: string;
}

/** AgentReport is one agent's line in desk.metrics. */
export interface AgentReport {
  user: string;
  conversations: number;
  messages: number;
  /** seconds */
  firstResponseP50: number;
}

/** DeskReport is desk.metrics over the conversations closed since `since` (times in seconds). */
export interface DeskReport {
  since: string;
  conversations: number;
  abandoned: number;
  transfers: number;
  waitP50: number;
  waitP90: number;
  firstResponseP50: number;
  firstResponseP90: number;
  agents: AgentReport[];
  truncated: boolean;
}

/** ReviewVerdict is staff's decision on a message the policy held for review. */
export interface ReviewVerdict {
  topic: string;
  msgid: string;
  verdict: 'approved' | 'rejected';
  seq?: number;
}

/** ServiceDesk is Client.service. Every method needs a logged-in client; a refusal rejects with CtrlError (403 wrong role, 404 unknown team). */
export class ServiceDesk {
  private readonly events = new Subject<ConversationEvent>();
  private readonly queue = new Subject<QueuePosition>();
  private readonly assigned = new Subject<string>();
  private readonly released = new Subject<string>();
  private readonly verdicts = new Subject<ReviewVerdict>();
  private readonly desk = new Subject<DeskEvent>();

  constructor(private readonly c: Client) {}

  /** events$ emits conversation events (queued, assigned, transferred, closed, reopened) as they enter a pool. */
  get events$(): Observable<ConversationEvent> {
    return this.events.asObservable();
  }

  /** queue$ emits the customer's queue position whenever it changes. */
  get queue$(): Observable<QueuePosition> {
    return this.queue.asObservable();
  }

  /** assigned$ emits the service topic an agent was just made a member of (needs "me" attached: join('me') or watchDesk). */
  get assigned$(): Observable<string> {
    return this.assigned.asObservable();
  }

  /** released$ emits the service topic an agent stopped being a member of (transferred away or closed). */
  get released$(): Observable<string> {
    return this.released.asObservable();
  }

  /** verdicts$ emits review verdicts on this user's held messages (their status changes too). */
  get verdicts$(): Observable<ReviewVerdict> {
    return this.verdicts.asObservable();
  }

  /** desk$ (supervisor, admin) emits live desk updates; the client must be attached to "me" (watchDesk). */
  get desk$(): Observable<DeskEvent> {
    return this.desk.asObservable();
  }

  /**
   * watchDesk (supervisor, admin) attaches the client to "me", where the
   * server sends desk updates and assignments ({pres what:"acs"}), and
   * returns the deskState snapshot to apply desk$ to. Call it again after a
   * reconnect: desk updates are not retransmitted.
   */
  async watchDesk(): Promise<DeskState> {
    await this.c.join('me');
    return this.deskState();
  }

  /** open (customer) opens or returns the customer's service conversation, and joins it. */
  async open(team?: string): Promise<OpenResult> {
    const p = await this.action('service.open', team === undefined ? {} : { team });
    const r = openResult(p);
    await this.c.join(r.topic);
    return r;
  }

  /** setStatus (staff) switches the agent's status; the answer has the agent's load and capacity. */
  async setStatus(status: AgentStatus): Promise<AgentLoad> {
    const p = await this.action('agent.status', { status });
    return { status: (str(p, 'status') || status) as AgentStatus, load: num(p, 'load'), capacity: num(p, 'capacity') };
  }

  /** transfer hands a conversation to an agent ("usr…") or a team ("team:NAME"). */
  async transfer(topic: string, to: string): Promise<void> {
    await this.action('conv.transfer', { to }, topic);
  }

  /** close closes a conversation, with an optional reason. */
  async close(topic: string, reason?: string): Promise<void> {
    await this.action('conv.close', reason === undefined ? {} : { reason }, topic);
  }

  /** human (customer) asks for a person instead of the robot. */
  async human(topic: string): Promise<OpenResult> {
    const p = await this.action('conv.human', undefined, topic);
    return { ...openResult(p), topic };
  }

  /** position asks for the customer's place in the queue (0: not queued). */
  async position(topic: string): Promise<number> {
    return num(await this.action('queue.position', undefined, topic), 'position');
  }

  /** queuePosition is position with the server's wait estimate, when it gives one. */
  async queuePosition(topic: string): Promise<QueuePosition> {
    const p = await this.action('queue.position', undefined, topic);
    return { topic, position: num(p, 'position'), ...eta(p) };
  }

  /** deskState (supervisor, admin) returns agents, the oldest waiting conversations and the queue counts per team. */
  async deskState(): Promise<DeskState> {
    const p = await this.action('desk.state');
    const queued: Record<string, number> = {};
    if (p.queued && typeof p.queued === 'object') {
      for (const [k, v] of Object.entries(p.queued as Params)) {
        if (typeof v === 'number') {
          queued[k] = v;
        }
      }
    }
    return {
      agents: list(p.agents).map((a) => ({ user: str(a, 'user'), status: str(a, 'status') as AgentStatus,
        load: num(a, 'load'), capacity: num(a, 'capacity'), teams: strings(a.teams),
        conversations: strings(a.conversations) })),
      queue: list(p.queue).map((q) => ({ topic: str(q, 'topic'), team: str(q, 'team'), since: str(q, 'since') })),
      queued,
    };
  }

  /** join (supervisor, admin) makes the caller a member of a service topic (conv.join), then attaches to it. */
  async join(topic: string): Promise<void> {
    await this.action('conv.join', undefined, topic);
    await this.c.join(topic);
  }

  /** metrics (supervisor, admin) reports on the conversations closed since `since` (default: 24 h ago; at most 90 days). */
  async metrics(since?: Date | string): Promise<DeskReport> {
    const s = since instanceof Date ? since.toISOString() : since;
    const p = await this.action('desk.metrics', s === undefined ? {} : { since: s });
    const r = (p.report && typeof p.report === 'object' ? p.report : {}) as Params;
    return {
      since: str(r, 'since'), conversations: num(r, 'conversations'), abandoned: num(r, 'abandoned'),
      transfers: num(r, 'transfers'), waitP50: num(r, 'wait_p50'), waitP90: num(r, 'wait_p90'),
      firstResponseP50: num(r, 'first_response_p50'), firstResponseP90: num(r, 'first_response_p90'),
      agents: list(r.agents).map((a) => ({ user: str(a, 'user'), conversations: num(a, 'conversations'),
        messages: num(a, 'messages'), firstResponseP50: num(a, 'first_response_p50') })),
      truncated: r.truncated === true,
    };
  }

  /** label (the assigned agent; supervisor, admin) adds and removes labels of a conversation; resolves with all its labels, sorted. */
  async label(topic: string, change: { add?: string[]; remove?: string[] }): Promise<string[]> {
    const params: Params = {};
    if (change.add?.length) {
      params.add = change.add;
    }
    if (change.remove?.length) {
      params.remove = change.remove;
    }
    return strings((await this.action('conv.label', params, topic)).labels);
  }

  /** replies (staff) lists the caller's personal quick replies and their teams', by scope then key. */
  async replies(): Promise<QuickReply[]> {
    const p = await this.action('reply.list');
    // Sorted here by scope then key, as the contract says: the server lists them by their owner in the store,
    // where a personal reply's owner ("usr…") sorts after "team:…".
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return list(p.replies).map((r) => ({ scope: (str(r, 'scope') || 'personal') as ReplyScope, key: str(r, 'key'),
      text: str(r, 'text') })).sort((x, y) => cmp(x.scope, y.scope) || cmp(x.key, y.key));
  }

  /** saveReply saves (or replaces) a quick reply: personal by default; a team's (scope "team:NAME") needs a supervisor or admin. */
  async saveReply(key: string, text: string, scope: ReplyScope = 'personal'): Promise<void> {
    await this.action('reply.save', scope === 'personal' ? { key, text } : { scope, key, text });
  }

  /** deleteReply removes a quick reply (CtrlError 404 when there is none). */
  async deleteReply(key: string, scope: ReplyScope = 'personal'): Promise<void> {
    await this.action('reply.delete', scope === 'personal' ? { key } : { scope, key });
  }

  /**
   * note (staff) sends a private note to a service topic: an ordinary send
   * with head.private, shown at once like any message (Message.private is
   * true). Staff members get it; customers never do.
   */
  note(topic: string, content: Content, head?: Record<string, unknown>): Message {
    return this.c.send(topic, content, { ...head, private: true });
  }

  /** action sends an {action} and resolves with the params of its ctrl 200. */
  async action(what: string, params?: Params, topic?: string): Promise<Params> {
    const ctrl = await this.c.request((id) => ({ action: { id, topic, what, params } }));
    return ctrl.params ?? {};
  }

  /** @internal onMessage turns a message with head.event into a conversation event. */
  onMessage(m: Message): void {
    const event = m.head.event;
    if (typeof event !== 'string') {
      return;
    }
    const detail: Record<string, unknown> = {};
    if (m.content && typeof m.content === 'object' && !Array.isArray(m.content)) {
      Object.assign(detail, m.content);
    }
    for (const [k, v] of Object.entries(m.head)) {
      if (k !== 'event' && k !== 'msgid') {
        detail[k] = v;
      }
    }
    this.events.next({ topic: m.topic, seq: m.seq, event, detail, message: m });
  }

  /** @internal onInfo handles queue positions, desk updates and review verdicts. */
  onInfo(i: Info): void {
    const p = (i.payload && typeof i.payload === 'object' ? i.payload : {}) as Params;
    if (i.what === 'queue') {
      this.queue.next({ topic: i.topic, position: num(p, 'position'), ...eta(p) });
      return;
    }
    if (i.what === 'desk') {
      const e: DeskEvent = { event: str(p, 'event') };
      for (const k of ['topic', 'team', 'state', 'agent', 'status'] as const) {
        const v = p[k];
        if (typeof v === 'string') {
          (e as unknown as Record<string, string>)[k] = v;
        }
      }
      this.desk.next(e);
      return;
    }
    const msgid = str(p, 'msgid');
    const verdict = str(p, 'verdict');
    if (!msgid || (verdict !== 'approved' && verdict !== 'rejected')) {
      return;
    }
    const seq = num(p, 'seq');
    if (verdict === 'approved' && seq > 0) {
      this.c.sender.stored(i.topic, msgid, seq);
    } else if (verdict === 'rejected') {
      this.c.sender.settle(i.topic, msgid, 'rejected');
    }
    this.verdicts.next({ topic: i.topic, msgid, verdict, ...(seq > 0 ? { seq } : {}) });
  }

  /** @internal onPres reports assignments and their end: access to a group given or taken on me. */
  onPres(p: Pres): void {
    if (p.what !== 'acs' || !p.src?.startsWith('grp')) {
      return;
    }
    const given = p.dacs?.given;
    if (given === undefined || given.includes('J')) {
      this.assigned.next(p.src);
    } else {
      this.released.next(p.src);
    }
  }

  /** @internal */
  stop(): void {
    this.events.complete();
    this.queue.complete();
    this.assigned.complete();
    this.released.complete();
    this.verdicts.complete();
    this.desk.complete();
  }
}

function openResult(p: Params): OpenResult {
  const position = p.position;
  return { topic: str(p, 'topic'), state: (str(p, 'state') || 'queued') as ConversationState,
    ...(typeof position === 'number' ? { position } : {}), ...eta(p) };
}

function eta(p: Params): { etaSeconds?: number } {
  return typeof p.eta === 'number' ? { etaSeconds: p.eta } : {};
}

function list(v: unknown): Params[] {
  return Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Params[]) : [];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
