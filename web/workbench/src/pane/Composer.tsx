// The composer: a textbox named "Message" (消息), Reply / Private note modes,
// quick replies when the text starts with "/", Enter to send (Shift+Enter for
// a new line); the paper clip sends a file as a reply (Client.sendFile).
// Sending is the SDK's render-first send: the message is in the pool, and so
// on screen, before the network is touched.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { QuickReply } from '@parley-im/sdk';
import type { Desk } from '../desk';
import type { Dict } from '../i18n';
import { useObservable } from '../hooks';

export interface ComposerHandle {
  insert(text: string): void;
  focus(mode?: 'reply' | 'note'): void;
}

interface Props {
  desk: Desk;
  topic: string;
  t: Dict;
  onSent: () => void;
  handle: { current: ComposerHandle | null };
}

/** typingEvery throttles the typing notifications sent while the agent types. */
const typingEvery = 3000;

export function matchingReplies(all: readonly QuickReply[], text: string): QuickReply[] {
  if (!text.startsWith('/')) {
    return [];
  }
  const q = text.slice(1).toLowerCase();
  return all.filter((r) => r.key.toLowerCase().startsWith(q) || r.text.toLowerCase().includes(q)).slice(0, 8);
}

export function Composer({ desk, topic, t, onSent, handle }: Props) {
  const [text, setText] = useState('');
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [pick, setPick] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const replies = useObservable(desk.replies$, desk.replies$.value);
  const shown = matchingReplies(replies, text);

  useEffect(() => {
    handle.current = {
      insert: (s) => {
        setText(s);
        box.current?.focus();
      },
      focus: (m) => {
        if (m) {
          setMode(m);
        }
        box.current?.focus();
      },
    };
    return () => {
      handle.current = null;
    };
  }, [handle]);

  const send = () => {
    const body = text.trim();
    if (!body) {
      return;
    }
    if (mode === 'note') {
      desk.client.service.note(topic, body);
    } else {
      desk.client.send(topic, body);
    }
    setText('');
    onSent();
  };

  const onFile = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const f = input.files?.[0];
    if (f) {
      desk.client.sendFile(topic, f);
      onSent();
    }
    input.value = ''; // the same file can be chosen again
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (shown.length > 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      setPick((p) => (p + (e.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length);
      return;
    }
    if (shown.length > 0 && (e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) {
      e.preventDefault();
      setText(shown[Math.min(pick, shown.length - 1)]!.text);
      setPick(0);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };

  const onInput = (e: Event) => {
    const v = (e.currentTarget as HTMLTextAreaElement).value;
    setText(v);
    setPick(0);
    const now = Date.now();
    if (mode === 'reply' && v && now - lastTyping.current > typingEvery) {
      lastTyping.current = now;
      desk.client.noteTyping(topic);
    }
  };

  return (
    <div class={`composer ${mode}`}>
      <div class="modes" role="tablist" aria-label={t.reply}>
        <button type="button" role="tab" aria-selected={mode === 'reply'} onClick={() => setMode('reply')}>{t.reply}</button>
        <button type="button" role="tab" aria-selected={mode === 'note'} onClick={() => setMode('note')}>{t.note}</button>
      </div>
      {shown.length > 0 && (
        <ul class="replies" role="listbox" aria-label={t.quickReplies}>
          {shown.map((r, i) => (
            <li key={`${r.scope}/${r.key}`} role="option" aria-selected={i === pick}
              onMouseDown={(e) => { e.preventDefault(); setText(r.text); }}>
              <b>/{r.key}</b> {r.text}
            </li>
          ))}
        </ul>
      )}
      <div class="input">
        {mode === 'reply' && (
          <button type="button" class="attach" aria-label={t.attach} title={t.attach}
            onClick={() => picker.current?.click()}>
            {/* A drawn clip: an emoji would depend on the fonts the agent's machine has. */}
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
              <path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
                d="M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.6-5.6L5.8 11.6a6 6 0 0 0 8.5 8.5l6.2-6.2" />
            </svg>
          </button>
        )}
        <input ref={picker} type="file" hidden tabIndex={-1} onChange={onFile} />
        <textarea ref={box} aria-label={t.message} placeholder={mode === 'note' ? t.note : t.message} value={text}
          rows={2} onInput={onInput} onKeyDown={onKeyDown} />
        <button type="button" onClick={send}>{t.send}</button>
      </div>
    </div>
  );
}
