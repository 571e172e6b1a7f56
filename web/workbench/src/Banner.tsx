// The reconnect banner: shown while the connection is down, gone by itself
// when the SDK is connected again (it resends and refetches on its own).

import type { ConnState } from '@parley-im/sdk';
import type { Desk } from './desk';
import type { Dict } from './i18n';
import { useObservable } from './hooks';

export function Banner({ desk, t }: { desk: Desk; t: Dict }) {
  const st = useObservable<ConnState | undefined>(desk.client.state$, undefined);
  const down = st !== undefined && st.state !== 'connected' && st.state !== 'closed';
  return <div class="banner" role="status" aria-live="polite">{down ? t.reconnecting : ''}</div>;
}
