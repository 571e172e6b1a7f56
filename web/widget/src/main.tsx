// The widget page's start: read the settings from the address, connect
// to the embedding page (if any), start the conversation and render.

import { render } from 'preact';
import { Bridge } from './bridge.js';
import { WidgetChat } from './chat.js';
import { readConfig } from './config.js';
import { strings } from './i18n.js';
import { App } from './ui/App.js';
import './styles.css';

const cfg = readConfig(location.search, location.hash, navigator.languages);
if (cfg.jwt) {
  // The token has been read: take it out of the address bar and history.
  history.replaceState(null, '', location.pathname + location.search);
}
document.documentElement.lang = cfg.lang === 'zh' ? 'zh-CN' : 'en';
const t = strings(cfg.lang);
document.title = t.title;

const bridge = new Bridge(cfg.embedded && window.parent !== window ? window.parent : null);
const chat = new WidgetChat(cfg, bridge);
render(<App chat={chat} bridge={bridge} t={t} embedded={cfg.embedded} />, document.getElementById('app')!);
// "Interactive" for the first-load benchmark (bench/firstload.mjs): the
// conversation is open and the message box takes input.
const ready = chat.view$.subscribe((v) => {
  if (v.phase === 'ready') {
    performance.mark('parley-widget-ready');
    queueMicrotask(() => ready.unsubscribe());
  }
});
void chat.start();
