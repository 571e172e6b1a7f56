// A WebSocket connection that speaks parley-protobuf. The rest of the SDK
// keeps building and reading Tinode JSON frames: this connection converts
// each frame at the edge, so the choice of codec touches nothing above the
// network layer.

import type { ConnHandlers, Dialer, WebSocketConstructor, WebSocketLike } from '../net/conn.js';
import { decodeServerFrameText, encodeClientFrame } from './frames.js';
import type { Obj } from './values.js';

/** subprotocol is the WebSocket subprotocol that selects protobuf on the server. */
export const subprotocol = 'parley-protobuf';

/** BinaryWebSocket is what a protobuf connection needs of a WebSocket beyond WebSocketLike. */
interface BinaryWebSocket extends Omit<WebSocketLike, 'send'> {
  binaryType: string;
  readonly protocol: string;
  send(data: string | Uint8Array): void;
}

type BinaryWebSocketConstructor = new (url: string, protocols: string | string[]) => BinaryWebSocket;

/**
 * protobufDialer dials url asking for the parley-protobuf subprotocol. The
 * network probe `1` becomes an empty binary frame and the server's empty
 * binary answer becomes `0`, so the link's dead-connection check works as
 * over JSON. A server that does not answer with the subprotocol (one that
 * speaks only JSON) fails the connection instead of being misread.
 */
export function protobufDialer(url: string, Ctor?: WebSocketConstructor): Dialer {
  return (h) => {
    const WS = (Ctor ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket) as
      BinaryWebSocketConstructor | undefined;
    if (!WS) {
      throw new Error('parley: no WebSocket implementation; pass one as the WebSocket option');
    }
    const ws = new WS(url, subprotocol);
    ws.binaryType = 'arraybuffer';
    let ended = false;
    const end = (reason?: string) => {
      if (!ended) {
        ended = true;
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        h.close(reason);
      }
    };
    const fail = (reason: string) => {
      try {
        ws.close(1000); // browsers let a page close only with 1000 or 3000–4999
      } catch {
        // already closing
      }
      end(reason);
    };
    ws.onopen = () => (ws.protocol === subprotocol ? h.open() : fail(`the server does not speak ${subprotocol}`));
    ws.onmessage = (ev) => received(h, ev.data, fail);
    ws.onclose = (ev) => end(`closed ${ev.code ?? ''} ${ev.reason ?? ''}`.trim());
    ws.onerror = () => end('websocket error');
    return {
      send: (text) => {
        if (!ended) {
          ws.send(text === '1' ? new Uint8Array(0) : encodeClientFrame([JSON.parse(text) as Obj]));
        }
      },
      close: () => {
        if (!ended) {
          try {
            ws.close(1000);
          } catch {
            // closing a socket that never opened throws in some implementations
          }
          end();
        }
      },
    };
  };
}

/** received hands each message of a binary frame on as its JSON text. */
function received(h: ConnHandlers, data: unknown, fail: (reason: string) => void): void {
  const frame = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
  if (!frame) {
    return; // a text frame: the server sends none on a protobuf connection
  }
  if (frame.length === 0) {
    h.frame('0'); // the probe's answer
    return;
  }
  let msgs: string[];
  try {
    msgs = decodeServerFrameText(frame);
  } catch (e) {
    fail(`malformed protobuf frame: ${String(e)}`);
    return;
  }
  for (const m of msgs) {
    h.frame(m);
  }
}
