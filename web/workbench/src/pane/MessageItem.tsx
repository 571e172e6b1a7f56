// One row of the message pane: a message (text, image, file, robot card with
// suggestions, quote), an event line ("assigned to …") or a private note.

import { memo } from 'preact/compat';
import type { Message } from '@parley-im/sdk';
import type { Dict, Key } from '../i18n';
import { attachment, isEvent, plainText, shortTime, suggestions } from '../text';

const ticks: Record<string, string> = {
  sending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!', blocked: '⊘', review: '⌛', rejected: '⊘',
};

/** statusLabel is the words a status tick stands for (masked is a sent message whose words were hidden). */
export function statusLabel(m: Message, t: Dict): string {
  const base = t[`st_${m.status}` as Key] ?? m.status;
  return m.policy === 'masked' ? `${base}, ${t.st_masked}` : base;
}

/** eventText is an event line in the page's language (the server's text is English). */
function eventText(m: Message, t: Dict): string {
  const k = `ev_${String(m.head.event)}` as Key;
  return k in t ? t[k] : plainText(m);
}

interface Props {
  m: Message;
  /** customer is the conversation's customer: other senders are staff. */
  customer: string;
  /** sender is the display name of someone else's message's sender, "" when unknown or our own. */
  sender: string;
  status: string; // repeated so a status change re-renders the row (messages are mutated in place)
  t: Dict;
  onResend: (m: Message) => void;
  onSuggestion: (text: string) => void;
}

/**
 * MessageItem re-renders only when one of its props changes: status carries
 * the message's status, seq and policy, since messages change in place.
 */
export const MessageItem = memo(function MessageItem({ m, customer, sender, t, onResend, onSuggestion }: Props) {
  if (isEvent(m)) {
    return <div class="event">{eventText(m, t)} · {shortTime(m.ts)}</div>;
  }
  const file = attachment(m);
  const quote = typeof m.head.quote === 'string' ? m.head.quote : undefined;
  const side = m.own ? 'own' : customer && m.from !== customer ? 'own staff' : 'other';
  const cls = `bubble ${side}${m.private ? ' note' : ''} st-${m.status}`;
  const sugg = suggestions(m);
  return (
    <div class={cls}>
      {sender && <span class="who">{sender}</span>}
      {m.private && <span class="tag">{t.private}</span>}
      {quote && <blockquote>{quote}</blockquote>}
      {file?.image && file.ref ? <img src={file.ref} alt={file.name} loading="lazy" /> : null}
      {file && !file.image ? <a href={file.ref || undefined} download={file.name}>{t.file}: {file.name}</a> : null}
      {!file && <p class="text">{plainText(m)}</p>}
      {sugg.length > 0 && (
        <div class="suggestions">
          {sugg.map((s) => <button type="button" key={s} onClick={() => onSuggestion(s)}>{s}</button>)}
        </div>
      )}
      <span class="meta">
        {shortTime(m.ts)}
        {m.own && <span class="tick" role="img" aria-label={statusLabel(m, t)} title={statusLabel(m, t)} data-status={m.status}>{ticks[m.status]}</span>}
        {m.own && m.status === 'failed' && <button type="button" class="resend" onClick={() => onResend(m)}>{t.resend}</button>}
      </span>
    </div>
  );
});
