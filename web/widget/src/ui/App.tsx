// The widget page: a header (title, queue place, "talk to a person",
// close), the reconnect banner, the messages, the typing line and the
// message box. Before the conversation is open it shows why it waits or
// why it failed, with a way to try again.

import { useEffect, useState } from 'preact/hooks';
import type { Bridge } from '../bridge.js';
import type { ChatView, WidgetChat } from '../chat.js';
import type { Strings } from '../i18n.js';
import { Composer } from './Composer.js';
import { useObservable } from './hooks.js';
import { MessageList } from './MessageList.js';

export interface AppProps {
  chat: WidgetChat;
  bridge: Bridge;
  t: Strings;
  embedded: boolean;
}

export function App({ chat, bridge, t, embedded }: AppProps) {
  const view = useObservable(chat.view$, chat.view);
  useEffect(() => {
    if (!embedded) {
      return;
    }
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && bridge.close();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [embedded, bridge]);

  return (
    <main class="pw-app" aria-label={t.title}>
      <Header view={view} chat={chat} bridge={bridge} t={t} embedded={embedded} />
      <Banner view={view} t={t} />
      {view.phase === 'ready' ? (
        <>
          <MessageList chat={chat} t={t} />
          <p class="pw-typing" aria-live="polite">{view.typing ? t.typing : ''}</p>
          <Composer chat={chat} t={t} />
        </>
      ) : (
        <Waiting view={view} chat={chat} t={t} />
      )}
    </main>
  );
}

function Header({ view, chat, bridge, t, embedded }: AppProps & { view: ChatView }) {
  const [asking, setAsking] = useState(false);
  const canAskHuman = view.phase === 'ready' && view.conv !== 'assigned' && view.conv !== 'queued';
  return (
    <header class="pw-header">
      <div class="pw-heading">
        <h1 class="pw-title">{t.title}</h1>
        <p class="pw-queue" role="status">
          {view.conv !== 'queued' ? '' : view.position > 0 ? t.queue(view.position) : t.waitingHuman}
        </p>
      </div>
      {canAskHuman && (
        <button type="button" class="pw-human" disabled={asking} onClick={() => {
          setAsking(true);
          chat.human().catch(() => undefined).finally(() => setAsking(false));
        }}>{t.human}</button>
      )}
      {embedded && (
        <button type="button" class="pw-icon pw-close" aria-label={t.close} title={t.close}
          onClick={() => bridge.close()}><span aria-hidden="true">×</span></button>
      )}
    </header>
  );
}

/** Banner shows a lost connection until it is back; it never asks for a reload. */
function Banner({ view, t }: { view: ChatView; t: Strings }) {
  const down = view.everConnected && view.link !== 'connected';
  return (
    <div class="pw-banner" role="status" hidden={!down}>{down ? t.reconnecting : ''}</div>
  );
}

function Waiting({ view, chat, t }: { view: ChatView; chat: WidgetChat; t: Strings }) {
  if (view.phase === 'failed') {
    return (
      <div class="pw-center" role="alert">
        <p>{t.failedStart}</p>
        <p class="pw-detail">{view.error}</p>
        <button type="button" class="pw-send" onClick={() => void chat.start()}>{t.retry}</button>
      </div>
    );
  }
  return <div class="pw-center" role="status">{t.connecting}</div>;
}
