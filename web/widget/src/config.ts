// The widget's settings, read once from its address: what the embedding
// page (or a link in a merchant's app) asked for.

import { pickLang, type Lang } from './i18n.js';

/** AuthMode is how the customer logs in: as an anonymous visitor, or vouched for by the merchant (JWT). */
export type AuthMode = 'visitor' | 'jwt';

export interface WidgetConfig {
  /** team is the desk team the conversation is opened for ("" = the server's default). */
  team: string;
  lang: Lang;
  auth: AuthMode;
  /** embedded is true inside embed.js's iframe: the page gives JWTs and shows/hides the chat. */
  embedded: boolean;
  /** jwt is a token handed in the address fragment (#jwt=…) by a standalone page. */
  jwt: string;
  /** name is the visitor's display name, when the page knows one. */
  name: string;
}

/**
 * readConfig reads ?team=&lang=&auth=jwt|visitor&embed=1&name= and #jwt=.
 * The JWT travels in the fragment, which browsers never send to a server,
 * so it stays out of access logs.
 */
export function readConfig(search: string, hash: string, languages: readonly string[]): WidgetConfig {
  const q = new URLSearchParams(search);
  const h = new URLSearchParams(hash.replace(/^#/, ''));
  const jwt = h.get('jwt') ?? '';
  const embedded = q.get('embed') === '1';
  const auth: AuthMode = q.get('auth') === 'jwt' || jwt !== '' ? 'jwt' : 'visitor';
  return {
    team: q.get('team') ?? '',
    lang: pickLang(q.get('lang'), languages),
    auth,
    embedded,
    jwt,
    name: (q.get('name') ?? '').slice(0, 64),
  };
}
