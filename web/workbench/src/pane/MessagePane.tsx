// The message pane: a virtualised list of variable-height rows anchored at
// the bottom (@tanstack/react-virtual with anchorTo "end": new messages
// follow when the agent is at the bottom, older pages prepended at the top
// keep the visible row where it was), a jump to the first unread, and the
// composer underneath.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { memo } from 'preact/compat';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import type { Message } from '@parley-im/sdk';
import type { Desk } from '../desk';
import type { Dict } from '../i18n';
import { useNow, useObservable } from '../hooks';
import { MessageItem } from './MessageItem';
import { Composer, type ComposerHandle } from './Composer';
import { loadOlder, oldestSeq } from './older';
import { attachment, customerOf } from '../text';

interface Props {
  desk: Desk;
  topic: string;
  unread: number;
  t: Dict;
  composerRef: { current: ComposerHandle | null };
}

/** bottomSlack is how close to the bottom (px) still counts as "at the bottom". */
const bottomSlack = 48;

function rowKey(m: Message | undefined, i: number): string {
  if (!m) {
    return `i${i}`;
  }
  return m.msgid || `s${m.seq}`;
}

/** firstUnreadIndex is the index of the oldest of the last `unread` messages from others. */
export function firstUnreadIndex(list: readonly Message[], unread: number): number {
  let left = unread;
  for (let i = list.length - 1; i >= 0 && left > 0; i--) {
    if (!list[i]!.own && list[i]!.head.event === undefined) {
      left--;
      if (left === 0) {
        return i;
      }
    }
  }
  return -1;
}

/** TypingLine re-renders itself every second, so the pane does not have to. */
function TypingLine({ desk, topic, t }: { desk: Desk; topic: string; t: Dict }) {
  const now = useNow(1000);
  useObservable(desk.typing$, desk.typing$.value);
  return <div class="typing" aria-live="polite">{desk.isTyping(topic, now) ? `${t.customer} ${t.typing}` : ''}</div>;
}

/** MessagePane re-renders for its own conversation's changes, not for every message of the others. */
export const MessagePane = memo(function MessagePane({ desk, topic, unread, t, composerRef }: Props) {
  const client = desk.client;
  const messages$ = useMemo(() => client.messages(topic), [client, topic]);
  const messages = useObservable<readonly Message[]>(messages$, client.messagesNow(topic));
  const scrollRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showLatest, setShowLatest] = useState(false);
  const loading = useRef(false);
  const noMore = useRef(false);
  const firstUnread = useRef(firstUnreadIndex(messages, unread));

  // While the agent is at the bottom, the last row is always rendered, so a
  // sent or received message is in the DOM in the same frame, before any
  // scroll event has updated the visible range.
  const rangeExtractor = useCallback((r: Range) => {
    const base = defaultRangeExtractor(r);
    if (atBottom.current && r.count > 0 && base[base.length - 1] !== r.count - 1) {
      base.push(r.count - 1);
    }
    return base;
  }, []);

  const v = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    getItemKey: (i) => rowKey(messages[i], i),
    overscan: 6,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: bottomSlack,
    rangeExtractor,
  });

  // Open at the first unread when there is one, else at the bottom.
  useLayoutEffect(() => {
    if (firstUnread.current > 0) {
      v.scrollToIndex(firstUnread.current, { align: 'start' });
      atBottom.current = false;
    } else {
      v.scrollToEnd();
    }
    // Once, on open: later changes follow the agent's scrolling.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Read receipts: what reached the bottom of a visible pane is read.
  const last = messages[messages.length - 1];
  useEffect(() => {
    if (last && !last.own && last.seq > 0 && atBottom.current && document.visibilityState === 'visible') {
      client.noteRead(topic, last.seq);
    }
  }, [client, topic, last, last?.seq]);

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) {
      return;
    }
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight <= bottomSlack;
    atBottom.current = bottom;
    setShowLatest(!bottom);
    if (bottom && last && !last.own && last.seq > 0) {
      client.noteRead(topic, last.seq);
    }
    if (el.scrollTop < 200 && !loading.current && !noMore.current) {
      loading.current = true;
      loadOlder(client, topic, oldestSeq(messages)).then((more) => {
        noMore.current = !more;
      }, () => undefined).finally(() => {
        loading.current = false;
      });
    }
  };

  const jumpUnread = () => {
    const i = firstUnreadIndex(messages, unread);
    if (i >= 0) {
      v.scrollToIndex(i, { align: 'start' });
    }
  };
  const jumpLatest = () => {
    atBottom.current = true;
    v.scrollToEnd();
  };

  const onResend = useCallback((x: Message) => client.resend(x), [client]);
  const onSuggestion = useCallback((s: string) => composerRef.current?.insert(s), [composerRef]);

  const onSent = () => {
    // Sending brings the agent back to the bottom, where the message is.
    if (!atBottom.current) {
      jumpLatest();
    }
  };

  const staff = useObservable(desk.staff$, desk.staff$.value);
  const customer = useMemo(() => customerOf(messages, staff), [messages, staff]);
  const names = useObservable(desk.people.names$, desk.people.names$.value);
  const items = v.getVirtualItems();
  return (
    <section class="pane" aria-label={t.messages}>
      <div class="pane-tools">
        {unread > 0 && <button type="button" onClick={jumpUnread}>{t.jumpUnread}</button>}
        {showLatest && <button type="button" onClick={jumpLatest}>{t.jumpLatest}</button>}
      </div>
      <div class="scroll" ref={scrollRef} onScroll={onScroll} tabIndex={0} aria-label={t.messages}>
        <ul class="rows" role="list" aria-label={t.messages} style={{ height: `${v.getTotalSize()}px` }}>
          {items.map((it) => {
            const m = messages[it.index]!;
            return (
              <li key={it.key} data-index={it.index} ref={v.measureElement} class="row"
                style={{ transform: `translateY(${it.start}px)` }} data-msgid={m.msgid} data-seq={m.seq}>
                <MessageItem m={m} customer={customer} sender={m.own ? '' : names.get(m.from) ?? ''} status={`${m.status}${m.seq}${m.policy ?? ''}${attachment(m)?.ref ? 'f' : ''}`} t={t}
                  onResend={onResend} onSuggestion={onSuggestion} />
              </li>
            );
          })}
        </ul>
      </div>
      <TypingLine desk={desk} topic={topic} t={t} />
      <Composer desk={desk} topic={topic} t={t} onSent={onSent} handle={composerRef} />
    </section>
  );
});
