// The conversation's messages, as a list that stays at the bottom while the
// customer is there (and leaves them where they are when they scrolled up).
// A widget conversation is short, so the list is not virtualised.

import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import type { Message } from '@parley-im/sdk';
import type { WidgetChat } from '../chat.js';
import { isRobot } from '../content.js';
import type { Strings } from '../i18n.js';
import { useObservable } from './hooks.js';
import { MessageItem } from './MessageItem.js';

/** nearBottomPx is how close to the bottom counts as "at the bottom". */
const nearBottomPx = 48;

export function MessageList({ chat, t }: { chat: WidgetChat; t: Strings }) {
  const source = useMemo(() => chat.messages(), [chat]);
  const list = useObservable<readonly Message[]>(source, []);
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    chat.seen();
  }, [list, chat]);

  let lastRobot = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    if (isRobot(list[i]!)) {
      lastRobot = i;
      break;
    }
  }
  const token = chat.client.token;
  return (
    <div class="pw-scroll" ref={box} tabIndex={0} role="log" aria-label={t.messages} aria-live="polite"
      onScroll={(e) => {
        const el = e.currentTarget;
        atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < nearBottomPx;
      }}>
      <ul class="pw-list">
        {list.map((m, i) => (
          <MessageItem key={m.msgid || `seq${m.seq}`} m={m} t={t} token={token} lastRobot={i === lastRobot}
            onSuggest={(s) => chat.send(s)} onResend={(x) => chat.resend(x)} />
        ))}
      </ul>
    </div>
  );
}
