// embed.js: the script merchants put on their pages.
//
//   <script src="https://chat.example.com/widget/embed.js" data-team="sales"
//           data-lang="zh" data-jwt="getParleyJwt" async></script>
//
// It adds a launcher button (with an unread badge) and, once the page has
// loaded, an iframe of /widget/ from the same server, hidden until the
// launcher opens it. With data-jwt (the name of a global function returning
// a JWT or a promise of one) the customer is logged in as the merchant's
// customer; without it, as an anonymous visitor. window.Parley gives the
// page open(), close(), toggle() and setJwtCallback(fn).

import { isParleyMessage, type PageToWidget, type WidgetToPage } from '../protocol.js';
import { launcherStyles } from './styles.js';

type JwtCallback = () => string | Promise<string>;

interface ParleyApi {
  open(): void;
  close(): void;
  toggle(): void;
  setJwtCallback(fn: JwtCallback): void;
  readonly unread: number;
}

declare global {
  interface Window {
    Parley?: ParleyApi;
  }
}

const labels = {
  en: { open: 'Open chat', close: 'Close chat', frame: 'Customer service chat', unread: 'unread' },
  zh: { open: '打开在线客服', close: '关闭在线客服', frame: '在线客服', unread: '条未读' },
};

function setup(script: HTMLScriptElement): void {
  const src = new URL(script.src, location.href);
  const origin = src.origin;
  const d = script.dataset;
  const lang = (d.lang ?? navigator.language ?? 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  const l = labels[lang];
  let jwtCallback: JwtCallback | undefined = d.jwt ? globalCallback(d.jwt) : undefined;
  const q = new URLSearchParams({ embed: '1', lang });
  if (d.team) q.set('team', d.team);
  if (d.name) q.set('name', d.name);
  if (d.jwt) q.set('auth', 'jwt');
  const widgetUrl = `${origin}/widget/?${q}`;

  const host = document.createElement('div');
  host.id = 'parley-widget';
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = launcherStyles(d.position === 'left' ? 'left' : 'right', d.color ?? '#1f6feb');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'launcher';
  button.setAttribute('aria-expanded', 'false');
  button.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  button.append(badge);
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.hidden = true;
  shadow.append(style, panel, button);

  let frame: HTMLIFrameElement | undefined;
  let open = false;
  let unread = 0;

  const label = () => {
    button.setAttribute('aria-label', open ? l.close : unread ? `${l.open} (${unread} ${l.unread})` : l.open);
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0 || open;
  };
  const post = (m: PageToWidget) => frame?.contentWindow?.postMessage(m, origin);
  const ensureFrame = () => {
    if (frame) return;
    frame = document.createElement('iframe');
    frame.src = widgetUrl;
    frame.title = l.frame;
    frame.allow = 'clipboard-write';
    panel.append(frame);
  };
  const setOpen = (v: boolean) => {
    ensureFrame();
    open = v;
    panel.hidden = !v;
    button.setAttribute('aria-expanded', String(v));
    label();
    post({ type: 'parley:visible', visible: v });
    if (v) frame?.focus();
    else button.focus({ preventScroll: true });
  };

  window.addEventListener('message', (e) => {
    if (e.origin !== origin || !frame || e.source !== frame.contentWindow || !isParleyMessage(e.data)) {
      return;
    }
    const m = e.data as WidgetToPage;
    switch (m.type) {
      case 'parley:ready':
        post({ type: 'parley:visible', visible: open });
        break;
      case 'parley:unread':
        unread = Math.max(0, Math.floor(m.count));
        label();
        break;
      case 'parley:close':
        setOpen(false);
        break;
      case 'parley:jwt-request':
        void giveJwt(m.id);
        break;
    }
  });

  async function giveJwt(id: number): Promise<void> {
    try {
      if (!jwtCallback) throw new Error('no JWT callback: set data-jwt or call Parley.setJwtCallback');
      const jwt = await jwtCallback();
      post({ type: 'parley:jwt', id, jwt });
    } catch (e) {
      post({ type: 'parley:jwt', id, error: e instanceof Error ? e.message : String(e) });
    }
  }

  button.addEventListener('click', () => setOpen(!open));
  label();
  window.Parley = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    toggle: () => setOpen(!open),
    setJwtCallback: (fn) => { jwtCallback = fn; },
    get unread() { return unread; },
  };
  document.body.append(host);
  // The chat loads after the page, so it never slows the merchant's own
  // content; it loads before it is opened, so the unread badge works.
  if (document.readyState === 'complete') ensureFrame();
  else window.addEventListener('load', ensureFrame, { once: true });
}

/** globalCallback calls the page's function by name at the time a JWT is needed (it may be defined later). */
function globalCallback(name: string): JwtCallback {
  return () => {
    const fn = (window as unknown as Record<string, unknown>)[name];
    if (typeof fn !== 'function') throw new Error(`data-jwt names ${name}, which is not a function`);
    return (fn as JwtCallback)();
  };
}

function start(): void {
  const script = document.currentScript as HTMLScriptElement | null ??
    document.querySelector<HTMLScriptElement>('script[src*="/widget/embed.js"]');
  if (!script || window.Parley) return;
  if (document.body) setup(script);
  else document.addEventListener('DOMContentLoaded', () => setup(script), { once: true });
}

start();
