// Signing in: one SDK client per page, its token kept in localStorage so a
// reload signs in again without the password (the SDK's outbox, in IndexedDB,
// sends what the previous page had not).

import { Client } from '@parley-im/sdk';

const tokenKey = 'parley-workbench-token';

function newClient(): Client {
  return new Client({ host: location.host, storageName: 'parley-workbench' });
}

/** resume signs in with the kept token, or resolves undefined when there is none or it is refused. */
export async function resume(): Promise<Client | undefined> {
  const token = localStorage.getItem(tokenKey);
  if (!token) {
    return undefined;
  }
  const c = newClient();
  try {
    await c.connect();
    await c.loginToken(token);
    localStorage.setItem(tokenKey, c.token);
    return c;
  } catch {
    c.close();
    localStorage.removeItem(tokenKey);
    return undefined;
  }
}

export async function signIn(login: string, password: string): Promise<Client> {
  const c = newClient();
  try {
    await c.connect();
    await c.login(login, password);
  } catch (e) {
    c.close();
    throw e;
  }
  localStorage.setItem(tokenKey, c.token);
  return c;
}

export function signOut(c: Client): void {
  localStorage.removeItem(tokenKey);
  c.close();
}
