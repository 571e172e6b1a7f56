// How message content reads on screen: plain strings, Drafty {txt}, files.

import type { Message } from '@parley-im/sdk';

interface DraftyEntity {
  tp?: string;
  data?: { name?: string; mime?: string; ref?: string; val?: string; width?: number; height?: number };
}

interface Drafty {
  txt?: string;
  ent?: DraftyEntity[];
}

function isDrafty(c: unknown): c is Drafty {
  return typeof c === 'object' && c !== null && ('txt' in c || 'ent' in c);
}

/** plainText is the message's text, or the file's name for an attachment. */
export function plainText(m: Message): string {
  const c = m.content;
  if (typeof c === 'string') {
    return c;
  }
  if (isDrafty(c)) {
    const file = c.ent?.find((e) => e.tp === 'EX' || e.tp === 'IM');
    return c.txt || file?.data?.name || '';
  }
  return JSON.stringify(c);
}

/** attachment is the message's file or image, if it has one. */
export function attachment(m: Message): { image: boolean; name: string; ref: string } | undefined {
  const c = m.content;
  if (!isDrafty(c)) {
    return undefined;
  }
  const e = c.ent?.find((x) => x.tp === 'EX' || x.tp === 'IM');
  if (!e?.data) {
    return undefined;
  }
  return { image: e.tp === 'IM', name: e.data.name ?? 'file', ref: e.data.ref ?? '' };
}

/**
 * customerOf is the conversation's customer: the first sender who is neither
 * this user nor known staff, of a message that is not an event or a note.
 * Customers open service to ask, so theirs is the first such message.
 */
export function customerOf(list: readonly Message[], staff: ReadonlySet<string>): string {
  for (const m of list) {
    if (!m.own && m.from && !staff.has(m.from) && !isEvent(m) && !m.private) {
      return m.from;
    }
  }
  return '';
}

/** isEvent tells a conversation event line (queued, assigned, …) from a message. */
export function isEvent(m: Message): boolean {
  return typeof m.head.event === 'string';
}

/** suggestions are a robot card's tappable questions (head.suggestions), if any. */
export function suggestions(m: Message): string[] {
  const s = m.head.suggestions;
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string') : [];
}

// One formatter for every time on screen: Date.toLocaleTimeString builds a
// new one per call, which cost milliseconds a row when a long conversation
// scrolled (measured: most of the scroll's script time).
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function shortTime(ts: Date | number): string {
  return timeFormat.format(ts);
}

/** waited is a duration as "45s", "12m", "3h". */
export function waited(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) {
    return `${s}s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)}m`;
  }
  return `${Math.floor(s / 3600)}h`;
}
