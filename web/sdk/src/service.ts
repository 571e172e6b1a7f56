// Customer service on the wire: typed methods for the {action} requests of
// the customer-service contract (service.open, agent.status, conv.transfer,
// conv.close, conv.human, queue.position, desk.state), and the events that
// contract defines — conversation events (messages with head.event),
// queue positions ({info what:"queue"}), assignments ({pres what:"acs"} on
// me) — and the message policy's review verdicts ({info what:"review"}).

import { Subject, type Observable } from 'rxjs';
import type { Client } from './client.js';
import type { Message } from './message.js';
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
}

/** AgentLoad is an agent's status and load. */
export interface AgentLoad {
  user?: string;
  status: AgentStatus;
  load: number;
  capacity: number;
}

/** DeskState is the supervisor's snapshot of agents and queue. */
export interface DeskState {
  agents: AgentLoad[];
  queue: Array<{ topic: string; since: string }>;
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
  private readonly verdicts = new Subject<ReviewVerdict>();

  constructor(private readonly c: Client) {}

  /** events$ emits conversation events (queued, assigned, transferred, closed, reopened) as they enter a pool. */
  get events$(): Observable<ConversationEvent> {
    return this.events.asObservable();
  }

  /** queue$ emits the customer's queue position whenever it changes. */
  get queue$(): Observable<QueuePosition> {
    return this.queue.asObservable();
  }

  /** assigned$ emits the service topic an agent was just made a member of. */
  get assigned$(): Observable<string> {
    return this.assigned.asObservable();
  }

  /** verdicts$ emits review verdicts on this user's held messages (their status changes too). */
  get verdicts$(): Observable<ReviewVerdict> {
    return this.verdicts.asObservable();
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

  /** position asks for the customer's place in the queue. */
  async position(topic: string): Promise<number> {
    return num(await this.action('queue.position', undefined, topic), 'position');
  }

  /** deskState (supervisor) returns agents and queue. */
  async deskState(): Promise<DeskState> {
    const p = await this.action('desk.state');
    const agents = Array.isArray(p.agents) ? (p.agents as Params[]) : [];
    const queue = Array.isArray(p.queue) ? (p.queue as Params[]) : [];
    return {
      agents: agents.map((a) => ({ user: str(a, 'user'), status: str(a, 'status') as AgentStatus,
        load: num(a, 'load'), capacity: num(a, 'capacity') })),
      queue: queue.map((q) => ({ topic: str(q, 'topic'), since: str(q, 'since') })),
    };
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

  /** @internal onInfo handles queue positions and review verdicts. */
  onInfo(i: Info): void {
    const p = (i.payload && typeof i.payload === 'object' ? i.payload : {}) as Params;
    if (i.what === 'queue') {
      const eta = p.eta;
      this.queue.next({ topic: i.topic, position: num(p, 'position'),
        ...(typeof eta === 'number' ? { etaSeconds: eta } : {}) });
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

  /** @internal onPres reports assignments: an invitation to a group on me. */
  onPres(p: Pres): void {
    if (p.what === 'acs' && p.src?.startsWith('grp')) {
      this.assigned.next(p.src);
    }
  }

  /** @internal */
  stop(): void {
    this.events.complete();
    this.queue.complete();
    this.assigned.complete();
    this.verdicts.complete();
  }
}

function openResult(p: Params): OpenResult {
  const position = p.position;
  return { topic: str(p, 'topic'), state: (str(p, 'state') || 'queued') as ConversationState,
    ...(typeof position === 'number' ? { position } : {}) };
}
