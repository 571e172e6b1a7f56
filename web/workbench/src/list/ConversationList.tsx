// The conversation list: Mine, Queue and All (the last two for supervisors),
// each row with the last message, the unread count and how long the customer
// has waited for an answer; rows reorder as messages arrive. Arrow keys move
// between rows; Alt+J / Alt+K work from anywhere (see Workbench).

import { memo } from 'preact/compat';
import type { ConversationSummary, DeskState } from '@parley-im/sdk';
import type { Dict } from '../i18n';
import { isEvent, plainText, waited } from '../text';

export type Tab = 'mine' | 'queue' | 'all';

export interface Row {
  topic: string;
  unread: number;
  lastText: string;
  lastTs: number;
  /** waitingSince is when the customer's unanswered message came (0: nothing waits). */
  waitingSince: number;
  /** name is the customer's display name, "" until the server has given one. */
  name: string;
}

/** rowsFor builds a tab's rows, most recent first. */
export function rowsFor(tab: Tab, mine: readonly string[], summaries: readonly ConversationSummary[],
  desk: DeskState | undefined, customerOfTopic: (topic: string) => string,
  names: ReadonlyMap<string, string> = new Map()): Row[] {
  const byTopic = new Map(summaries.map((s) => [s.topic, s]));
  let topics: string[];
  const queuedSince = new Map<string, number>();
  for (const q of desk?.queue ?? []) {
    queuedSince.set(q.topic, Date.parse(q.since));
  }
  if (tab === 'mine') {
    topics = [...mine];
  } else if (tab === 'queue') {
    topics = [...queuedSince.keys()];
  } else {
    const all = new Set<string>(mine);
    desk?.agents.forEach((a) => a.conversations.forEach((c) => all.add(c)));
    queuedSince.forEach((_, t) => all.add(t));
    topics = [...all];
  }
  const rows = topics.map((topic): Row => {
    const s = byTopic.get(topic);
    const last = s?.last;
    const lastTs = last ? last.ts.getTime() : (queuedSince.get(topic) ?? 0);
    const customer = customerOfTopic(topic);
    const customerWaits = last !== undefined && !last.own && !isEvent(last) && !last.private
      && last.from === customer;
    return {
      topic,
      unread: s?.unread ?? 0,
      lastText: last ? plainText(last) : '',
      lastTs,
      waitingSince: queuedSince.get(topic) ?? (customerWaits ? lastTs : 0),
      name: names.get(customer) ?? '',
    };
  });
  return rows.sort((a, b) => b.lastTs - a.lastTs || a.topic.localeCompare(b.topic));
}

interface Props {
  rows: readonly Row[];
  selected: string;
  onSelect: (topic: string) => void;
  now: number;
  t: Dict;
  label: string;
}

export function ConversationList({ rows, selected, onSelect, now, t, label }: Props) {
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') {
      return;
    }
    e.preventDefault();
    const i = rows.findIndex((r) => r.topic === selected);
    const next = rows[Math.max(0, Math.min(rows.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      onSelect(next.topic);
      document.querySelector<HTMLElement>(`[data-topic="${next.topic}"]`)?.focus();
    }
  };
  if (rows.length === 0) {
    return <p class="empty">{t.noConversations}</p>;
  }
  return (
    <ul class="convs" aria-label={label} onKeyDown={onKeyDown}>
      {rows.map((r) => (
        <ConvRow key={r.topic} topic={r.topic} name={r.name} unread={r.unread} lastText={r.lastText}
          wait={r.waitingSince ? waited(now - r.waitingSince) : ''} selected={r.topic === selected} onSelect={onSelect} t={t} />
      ))}
    </ul>
  );
}

interface RowProps {
  name: string;
  topic: string;
  unread: number;
  lastText: string;
  wait: string;
  selected: boolean;
  onSelect: (topic: string) => void;
  t: Dict;
}

/** ConvRow re-renders only when its own row changed, not on every message of every conversation. */
const ConvRow = memo(function ConvRow({ topic, name: customerName, unread, lastText, wait, selected, onSelect, t }: RowProps) {
  // The accessible name starts with the topic (tests and scripts find rows by it); the customer's name follows.
  const name = `${topic}${unread ? `, ${unread} ${t.unread}` : ''}${wait ? `, ${t.waiting} ${wait}` : ''}`
    + (customerName ? `, ${customerName}` : '');
  return (
    <li>
      <button type="button" class="conv" data-topic={topic} aria-current={selected ? 'true' : undefined}
        aria-label={name} onClick={() => onSelect(topic)}>
        <span class="conv-top">
          <span class="conv-name" title={topic}>{customerName || topic.slice(0, 14)}</span>
          {unread > 0 && <span class="badge">{unread}</span>}
        </span>
        <span class="conv-last">{lastText}</span>
        {wait && <span class="conv-wait">{t.waiting} {wait}</span>}
      </button>
    </li>
  );
});
