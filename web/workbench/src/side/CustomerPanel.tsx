// The customer panel: who the customer is (the sender of the conversation's
// messages that are not staff's), the conversation's labels, and its past
// conversations, read from the event lines of the service topic (each
// closed/reopened pair is one earlier conversation).

import { memo } from 'preact/compat';
import { useMemo, useState } from 'preact/hooks';
import type { Message } from '@parley-im/sdk';
import type { Desk } from '../desk';
import type { Dict } from '../i18n';
import { useObservable } from '../hooks';
import { customerOf, shortTime } from '../text';

interface Props {
  desk: Desk;
  topic: string;
  t: Dict;
}

/** CustomerPanel re-renders for its own conversation's changes only. */
export const CustomerPanel = memo(function CustomerPanel({ desk, topic, t }: Props) {
  const messages$ = useMemo(() => desk.client.messages(topic), [desk, topic]);
  const messages = useObservable<readonly Message[]>(messages$, desk.client.messagesNow(topic));
  const labels = useObservable(desk.labels$, desk.labels$.value).get(topic) ?? [];
  const [newLabel, setNewLabel] = useState('');
  const [to, setTo] = useState('');
  const staff = useObservable(desk.staff$, desk.staff$.value);
  const customer = customerOf(messages, staff);
  const closed = messages.filter((m) => m.head.event === 'closed');

  const addLabel = (e: Event) => {
    e.preventDefault();
    const l = newLabel.trim();
    if (l) {
      void desk.label(topic, { add: [l] });
      setNewLabel('');
    }
  };
  const transfer = async (e: Event) => {
    e.preventDefault();
    if (to.trim() && await desk.transfer(topic, to.trim())) {
      setTo('');
    }
  };
  const close = () => desk.close(topic);

  return (
    <aside class="side" aria-label={t.customer}>
      <h2>{t.customer}</h2>
      <p class="customer-id">{customer || t.visitor}</p>
      <h3>{t.labels}</h3>
      <ul class="labels" aria-label={t.labels}>
        {labels.map((l) => (
          <li key={l}>{l} <button type="button" aria-label={`${t.removeLabel} ${l}`}
            onClick={() => void desk.label(topic, { remove: [l] })}>×</button></li>
        ))}
      </ul>
      <form onSubmit={addLabel}>
        <input aria-label={t.addLabel} value={newLabel} onInput={(e) => setNewLabel(e.currentTarget.value)} />
        <button type="submit">{t.addLabel}</button>
      </form>
      <h3>{t.transfer}</h3>
      <form onSubmit={transfer}>
        <input aria-label={t.transferTo} placeholder="team:sales" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        <button type="submit">{t.transfer}</button>
      </form>
      <p><button type="button" class="danger" onClick={() => void close()}>{t.close}</button></p>
      <h3>{t.pastConversations}</h3>
      <ul class="past">
        {closed.length === 0 ? <li>—</li> : closed.map((m) => <li key={m.seq}>{shortTime(m.ts)} · {String(m.content)}</li>)}
      </ul>
    </aside>
  );
});
