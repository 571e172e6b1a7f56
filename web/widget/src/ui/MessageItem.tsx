// One message of the list: an event line, a robot answer with its
// suggestions, or a bubble (ours on the right, with a status tick).

import type { Message } from '@parley-im/sdk';
import { eventOf, fileUrl, isRobot, shownOf, sizeText, suggestionsOf, type FileRef } from '../content.js';
import type { Strings } from '../i18n.js';

export interface ItemProps {
  m: Message;
  t: Strings;
  token: string;
  /** lastRobot is true for the newest robot answer: only its suggestions can be tapped. */
  lastRobot: boolean;
  onSuggest: (text: string) => void;
  onResend: (m: Message) => void;
}

export function MessageItem({ m, t, token, lastRobot, onSuggest, onResend }: ItemProps) {
  const event = eventOf(m);
  if (event) {
    const text = (t.events as Record<string, string>)[event] ?? t.events.other;
    return <li class="pw-event" data-event={event}>{text}</li>;
  }
  const shown = shownOf(m);
  const robot = isRobot(m);
  const who = m.own ? t.you : robot ? t.robot : t.agent;
  const suggestions = robot && lastRobot ? suggestionsOf(m) : [];
  return (
    <li class={`pw-msg ${m.own ? 'pw-own' : 'pw-their'}${robot ? ' pw-robot' : ''}`} data-status={m.status}
      data-seq={m.seq || undefined}>
      <span class="pw-sr">{who}: </span>
      <div class="pw-bubble">
        {shown.text && <p class="pw-text">{shown.text}</p>}
        {shown.files.map((f, i) => <FileView key={i} f={f} t={t} token={token} />)}
      </div>
      {m.own && <Tick m={m} t={t} onResend={onResend} />}
      {suggestions.length > 0 && (
        <div class="pw-suggestions" role="group" aria-label={t.suggestions}>
          {suggestions.map((s) => (
            <button type="button" class="pw-chip" key={s} onClick={() => onSuggest(s)}>{s}</button>
          ))}
        </div>
      )}
    </li>
  );
}

function FileView({ f, t, token }: { f: FileRef; t: Strings; token: string }) {
  const label = `${f.name || t.file}${f.size ? ` (${sizeText(f.size)})` : ''}`;
  if (!f.url) {
    return <span class="pw-file">{label}</span>;
  }
  if (f.image) {
    return (
      <a class="pw-file" href={fileUrl(f, token, false)} target="_blank" rel="noopener">
        <img class="pw-image" src={fileUrl(f, token, false)} alt={f.name || t.file} loading="lazy" />
      </a>
    );
  }
  return <a class="pw-file" href={fileUrl(f, token, true)} download={f.name}>{label}</a>;
}

/** ticks are the marks of our messages' statuses, next to their spoken names. */
const ticks: Record<string, string> = {
  sending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!', blocked: '⊘', review: '…', rejected: '⊘',
};

function Tick({ m, t, onResend }: { m: Message; t: Strings; onResend: (m: Message) => void }) {
  const name = t.status[m.status];
  return (
    <span class={`pw-tick pw-tick-${m.status}`}>
      <span aria-hidden="true">{ticks[m.status]}</span>
      <span class="pw-sr">{name}</span>
      {m.status === 'failed' && (
        <button type="button" class="pw-link" onClick={() => onResend(m)}>{t.resend}</button>
      )}
    </span>
  );
}
