// A dialer whose code is loaded on first use: the protobuf codec is a
// separate chunk (dynamic import), so applications that speak JSON never
// download it.

import type { Conn, Dialer, WebSocketConstructor } from './conn.js';

/** lazyProtobufDialer loads the protobuf codec on the first dial, then dials with it. */
export function lazyProtobufDialer(url: string, Ctor?: WebSocketConstructor): Dialer {
  let loaded: Promise<Dialer> | undefined;
  return (h) => {
    loaded ??= import('../protobuf/dialer.js').then((m) => m.protobufDialer(url, Ctor));
    let conn: Conn | undefined;
    let closed = false;
    loaded.then((dial) => {
      if (closed) {
        return;
      }
      try {
        conn = dial(h);
      } catch (e) {
        closed = true; // as the link does for a dialer that throws: the attempt failed
        h.close(String(e));
      }
    }, (e: unknown) => {
      loaded = undefined; // a failed chunk load is tried again on the next dial
      if (!closed) {
        closed = true;
        h.close(`loading the protobuf codec failed: ${String(e)}`);
      }
    });
    return {
      send: (text) => conn?.send(text),
      close: () => {
        closed = true;
        conn?.close();
      },
    };
  };
}
