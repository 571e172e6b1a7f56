// The widget's side of the postMessage protocol (protocol.ts): it asks the
// embedding page for the customer's JWT, tells it the unread count and when
// the customer closes the chat, and hears whether the chat is visible. It
// only listens to its own parent window; outside an iframe it is inert.

import { BehaviorSubject } from 'rxjs';
import { isParleyMessage, type PageToWidget, type WidgetToPage } from './protocol.js';

/** jwtTimeoutMs bounds how long the page's callback may take to give a token. */
const jwtTimeoutMs = 20_000;

export class Bridge {
  /** visible$ is whether the customer can see the chat (always true outside an iframe). */
  readonly visible$: BehaviorSubject<boolean>;
  private nextId = 1;
  private readonly waiting = new Map<number, { ok: (jwt: string) => void; fail: (e: Error) => void }>();
  private lastUnread = -1;

  constructor(private readonly parent: Window | null) {
    this.visible$ = new BehaviorSubject<boolean>(parent === null);
    if (parent) {
      window.addEventListener('message', (e) => this.receive(e));
      this.post({ type: 'parley:ready' });
    }
  }

  /** requestJwt asks the page's callback for a fresh customer JWT. */
  requestJwt(): Promise<string> {
    if (!this.parent) {
      return Promise.reject(new Error('no embedding page to ask for a JWT'));
    }
    const id = this.nextId++;
    return new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        fail(new Error('the page gave no JWT in time'));
      }, jwtTimeoutMs);
      this.waiting.set(id, {
        ok: (jwt) => { clearTimeout(timer); ok(jwt); },
        fail: (e) => { clearTimeout(timer); fail(e); },
      });
      this.post({ type: 'parley:jwt-request', id });
    });
  }

  /** unread tells the page how many messages the customer has not seen (only changes are sent). */
  unread(count: number): void {
    if (count !== this.lastUnread) {
      this.lastUnread = count;
      this.post({ type: 'parley:unread', count });
    }
  }

  /** close asks the page to hide the chat. */
  close(): void {
    this.post({ type: 'parley:close' });
  }

  private post(m: WidgetToPage): void {
    // The target origin is "*": nothing secret goes up (counts, requests),
    // and the widget does not know which merchant page embeds it.
    this.parent?.postMessage(m, '*');
  }

  private receive(e: MessageEvent): void {
    if (e.source !== this.parent || !isParleyMessage(e.data)) {
      return;
    }
    const m = e.data as PageToWidget;
    if (m.type === 'parley:visible') {
      this.visible$.next(m.visible === true);
    } else if (m.type === 'parley:jwt') {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (typeof m.jwt === 'string' && m.jwt !== '') {
        w?.ok(m.jwt);
      } else {
        w?.fail(new Error(m.error || 'the page gave no JWT'));
      }
    }
  }
}
