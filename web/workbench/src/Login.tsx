// The sign-in form for staff (accounts made with `parley admin staff add`).

import { useState } from 'preact/hooks';
import type { Client } from '@parley-im/sdk';
import type { Dict } from './i18n';
import { signIn } from './session';

interface Props {
  t: Dict;
  onSignedIn: (c: Client) => void;
}

export function Login({ t, onSignedIn }: Props) {
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(login, password));
    } catch (err) {
      setError(`${t.signInFailed}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-label={t.signIn}>
        <h1>{t.appName}</h1>
        <label>{t.login}<input name="login" autocomplete="username" value={login} onInput={(e) => setLogin(e.currentTarget.value)} required /></label>
        <label>{t.password}<input name="password" type="password" autocomplete="current-password" value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} required /></label>
        <button type="submit" disabled={busy}>{t.signIn}</button>
        {error && <p role="alert">{error}</p>}
      </form>
    </main>
  );
}
