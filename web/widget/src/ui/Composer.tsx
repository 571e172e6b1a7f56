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
        <span aria-hidden="true">📎</span>
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
