// The agent's screen: the conversation list, the message pane and the
// customer panel, with the shortcuts of the brief (Alt+J/K next/previous,
// Alt+L reply, Alt+P private note, Alt+E close) and the notifications for
// what arrives in conversations the agent is not looking at.

import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationSummary } from '@parley-im/sdk';
import type { Desk } from './desk';
import type { Dict } from './i18n';
import { useNow, useObservable } from './hooks';
import { ConversationList, rowsFor, type Tab } from './list/ConversationList';
import { MessagePane } from './pane/MessagePane';
import type { ComposerHandle } from './pane/Composer';
import { CustomerPanel } from './side/CustomerPanel';
import { beep, desktopNotify, setTitleBadge } from './notify';
import { customerOf } from './text';

interface Props {
  desk: Desk;
  t: Dict;
}

export function Workbench({ desk, t }: Props) {
  const [tab, setTab] = useState<Tab>('mine');
  const [selected, setSelected] = useState('');
  const mine = useObservable(desk.mine$, desk.mine$.value);
  const summaries = useObservable<ConversationSummary[]>(desk.client.conversations$, []);
  const deskState = useObservable(desk.state$, desk.state$.value);
  const supervisor = useObservable(desk.supervisor$, desk.supervisor$.value);
  const now = useNow(5000);
  const composer = useRef<ComposerHandle | null>(null);
  const staff = useObservable(desk.staff$, desk.staff$.value);
  const names = useObservable(desk.people.names$, desk.people.names$.value);
  const rows = useMemo(() => rowsFor(tab, mine, summaries, deskState,
    (topic) => customerOf(desk.client.messagesNow(topic), staff), names),
  [desk, tab, mine, summaries, deskState, staff, names]);
  useNotifications(desk, summaries, selected, t);

  const move = (step: number) => {
    const i = rows.findIndex((r) => r.topic === selected);
    const next = rows[(i + step + rows.length) % rows.length];
    if (next) {
      setSelected(next.topic);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey) {
        return;
      }
      const k = e.key.toLowerCase();
      if (k === 'j') {
        move(1);
      } else if (k === 'k') {
        move(-1);
      } else if (k === 'l') {
        composer.current?.focus('reply');
      } else if (k === 'p') {
        composer.current?.focus('note');
      } else if (k === 'e' && selected) {
        void desk.close(selected);
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  // One select function for the page's life, reading the current tab and
  // list through a ref, so the list's rows keep their memoised render.
  const current = useRef({ tab, supervisor, mine });
  current.current = { tab, supervisor, mine };
  const select = useCallback((topic: string) => {
    const c = current.current;
    if (c.tab !== 'mine' && c.supervisor && !c.mine.includes(topic)) {
      void desk.supervise(topic);
    }
    setSelected(topic);
  }, [desk]);
  const unread = summaries.find((s) => s.topic === selected)?.unread ?? 0;
  const tabs: Tab[] = supervisor ? ['mine', 'queue', 'all'] : ['mine'];

  return (
    <div class="workbench">
      <nav class="list" aria-label={t.conversations}>
        <div class="tabs" role="tablist" aria-label={t.conversations}>
          {tabs.map((x) => (
            <button type="button" role="tab" key={x} aria-selected={tab === x} onClick={() => setTab(x)}>{t[x]}</button>
          ))}
        </div>
        <ConversationList rows={rows} selected={selected} onSelect={select} now={now} t={t} label={t[tab]} />
      </nav>
      {selected ? (
        <MessagePane key={selected} desk={desk} topic={selected} unread={unread} t={t} composerRef={composer} />
      ) : (
        <section class="pane empty-pane"><p>{t.selectConversation}</p><p class="hint">{t.shortcuts}</p></section>
      )}
      {selected && <CustomerPanel key={`p${selected}`} desk={desk} topic={selected} t={t} />}
    </div>
  );
}

/** useNotifications beeps, badges the title and notifies the desktop when others write or a conversation arrives. */
function useNotifications(desk: Desk, summaries: readonly ConversationSummary[], selected: string, t: Dict): void {
  const seen = useRef(new Map<string, string>());
  useEffect(() => {
    let total = 0;
    for (const s of summaries) {
      total += s.unread;
      const id = s.last ? `${s.last.msgid}/${s.last.seq}` : '';
      const before = seen.current.get(s.topic);
      seen.current.set(s.topic, id);
      const fresh = before !== undefined && before !== id && s.last && !s.last.own && s.last.head.event === undefined;
      if (fresh && (s.topic !== selected || document.hidden)) {
        beep();
        desktopNotify(t.appName, String(s.last?.content ?? ''));
      }
    }
    setTitleBadge(total);
  }, [summaries, selected, t]);
  useEffect(() => {
    const sub = desk.client.service.assigned$.subscribe(() => {
      beep();
      desktopNotify(t.appName, t.conversations);
    });
    return () => sub.unsubscribe();
  }, [desk, t]);
}
