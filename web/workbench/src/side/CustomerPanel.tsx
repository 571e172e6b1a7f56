// The customer panel: who the customer is (the sender of the conversation's
// messages that are not staff's) with the profile the server holds (name,
// and what the merchant vouched for), the conversation's labels, and its past
// conversations, read from the event lines of the service topic (each
// closed/reopened pair is one earlier conversation).

import { memo } from 'preact/compat';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Message } from '@parley-im/sdk';
import type { Desk } from '../desk';
import type { Dict } from '../i18n';
import { useObservable } from '../hooks';
import { customerOf, shortTime } from '../text';
import type { Profile } from '../people';

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
  useObservable(desk.people.members$, desk.people.members$.value);
  const profile = customer ? desk.people.profile(topic, customer) : undefined;
  // Read again on every open: the card may have changed since the join (a new JWT login).
  useEffect(() => { void desk.people.load(topic); }, [desk, topic, customer]);

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
      {profile ? <CustomerCard profile={profile} t={t} /> : <p class="customer-id">{customer || t.visitor}</p>}
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

/** CustomerCard is the customer's name, id and the claims the merchant signed. */
function CustomerCard({ profile, t }: { profile: Profile; t: Dict }) {
  return (
    <div class="customer-card">
      {profile.name && <p class="customer-name">{profile.name}</p>}
      <p class="customer-id">{profile.user}</p>
      <p class={profile.verified ? 'verified' : 'unverified'}>
        {profile.verified ? `${t.verified} (${profile.scheme.toUpperCase()})` : t.unverified}
      </p>
      {profile.claims.length > 0 && (
        <dl class="claims" aria-label={t.claims}>
          {profile.claims.map(([k, v]) => [<dt key={`k${k}`}>{k}</dt>, <dd key={`v${k}`}>{v}</dd>])}
        </dl>
      )}
    </div>
  );
}
