// The message box: Enter sends, Shift+Enter starts a new line, the paper
// clip sends a file. What is typed is on screen at once (the SDK renders
// first) and kept by the SDK's outbox until the server has it.

import { useRef, useState } from 'preact/hooks';
import type { WidgetChat } from '../chat.js';
import type { Strings } from '../i18n.js';

export function Composer({ chat, t }: { chat: WidgetChat; t: Strings }) {
  const [text, setText] = useState('');
  const file = useRef<HTMLInputElement>(null);

  const submit = () => {
    if (text.trim()) {
      chat.send(text);
      setText('');
    }
  };
  return (
    <form class="pw-composer" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <button type="button" class="pw-icon" aria-label={t.attach} title={t.attach}
        onClick={() => file.current?.click()}>
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"
            d="M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.6-5.6L5.8 11.6a6 6 0 0 0 8.5 8.5l6.2-6.2" />
        </svg>
      </button>
      <input ref={file} type="file" class="pw-hidden" tabIndex={-1} aria-label={t.attach}
        onChange={(e) => {
          const f = e.currentTarget.files?.[0];
          if (f) {
            chat.sendFile(f);
          }
          e.currentTarget.value = '';
        }} />
      <textarea class="pw-input" aria-label={t.message} placeholder={t.message} rows={1} value={text}
        enterkeyhint="send"
        onInput={(e) => { setText(e.currentTarget.value); chat.typed(); }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }} />
      <button type="submit" class="pw-send">{t.send}</button>
    </form>
  );
}
