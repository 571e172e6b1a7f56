// The app shell: sign-in, then the header (status switch, page switch,
// language, notifications, sign out), the reconnect banner, and the
// workbench or the supervisor page (/app/supervisor).

import { useEffect, useMemo, useState } from 'preact/hooks';
import type { AgentStatus, Client } from '@parley-im/sdk';
import { Desk } from './desk';
import { dict, initialLang, keepLang, type Lang } from './i18n';
import { useObservable } from './hooks';
import { Login } from './Login';
import { Banner } from './Banner';
import { Workbench } from './Workbench';
import { Supervisor } from './supervisor/Supervisor';
import { resume, signOut } from './session';
import { askNotifications } from './notify';

const statuses: AgentStatus[] = ['online', 'busy', 'away'];
const supervisorPath = '/app/supervisor';

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang());
  const [client, setClient] = useState<Client | undefined>(undefined);
  const [resuming, setResuming] = useState(true);
  const t = dict(lang);

  useEffect(() => {
    keepLang(lang);
  }, [lang]);
  useEffect(() => {
    void resume().then((c) => {
      setClient(c);
      setResuming(false);
    });
  }, []);

  const langSwitch = (
    <label class="lang">{t.language}
      <select value={lang} onChange={(e) => setLang(e.currentTarget.value === 'zh' ? 'zh' : 'en')}>
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
    </label>
  );
  if (resuming) {
    return <p class="loading" aria-busy="true">{t.appName}</p>;
  }
  if (!client) {
    return <>{langSwitch}<Login t={t} onSignedIn={setClient} /></>;
  }
  return <SignedIn client={client} lang={lang} langSwitch={langSwitch} onSignOut={() => { signOut(client); setClient(undefined); }} />;
}

interface SignedInProps {
  client: Client;
  lang: Lang;
  langSwitch: preact.ComponentChildren;
  onSignOut: () => void;
}

function SignedIn({ client, lang, langSwitch, onSignOut }: SignedInProps) {
  const t = dict(lang);
  const desk = useMemo(() => new Desk(client), [client]);
  const status = useObservable(desk.status$, desk.status$.value);
  const supervisor = useObservable(desk.supervisor$, false);
  const error = useObservable(desk.error$, '');
  const [page, setPage] = useState(location.pathname.startsWith(supervisorPath) ? 'supervisor' : 'workbench');

  useEffect(() => {
    void desk.start().then(() => desk.setStatus('online'));
    return () => desk.stop();
  }, [desk]);
  useEffect(() => {
    const onPop = () => setPage(location.pathname.startsWith(supervisorPath) ? 'supervisor' : 'workbench');
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = (p: 'workbench' | 'supervisor') => {
    history.pushState(null, '', p === 'supervisor' ? supervisorPath : '/');
    setPage(p);
  };

  return (
    <div class="app">
      <header>
        <h1>{t.appName}</h1>
        <div class="status" role="radiogroup" aria-label={t.status}>
          {statuses.map((s) => (
            <button type="button" role="radio" key={s} aria-checked={status === s} class={`st ${s}`}
              onClick={() => void desk.setStatus(s)}>{t[s]}</button>
          ))}
        </div>
        {supervisor && (
          <nav aria-label={t.supervisor}>
            <button type="button" aria-pressed={page === 'workbench'} onClick={() => go('workbench')}>{t.workbench}</button>
            <button type="button" aria-pressed={page === 'supervisor'} onClick={() => go('supervisor')}>{t.supervisor}</button>
          </nav>
        )}
        {langSwitch}
        <button type="button" onClick={() => void askNotifications()}>{t.notifications}</button>
        <button type="button" onClick={onSignOut}>{t.signOut}</button>
      </header>
      <Banner desk={desk} t={t} />
      {error && <p class="error" role="alert">{error}</p>}
      {page === 'supervisor' && supervisor ? <Supervisor desk={desk} t={t} /> : <Workbench desk={desk} t={t} />}
    </div>
  );
}
