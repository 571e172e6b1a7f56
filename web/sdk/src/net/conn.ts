// The network layer's connection abstraction: a Dialer opens a Conn that
// carries text frames both ways and reports open, frames and close through
// handlers. WebSocket and long polling implement it; the rest of the SDK
// never sees which one is in use.

/** ConnHandlers receive a connection's events, each at most once except frame. */
export interface ConnHandlers {
  open(): void;
  frame(text: string): void;
  /** close reports the end of the connection; reason says why when it failed. */
  close(reason?: string): void;
}

/** Conn is one live connection. */
export interface Conn {
  /** send queues a text frame; it never blocks. */
  send(text: string): void;
  close(): void;
}

/** Dialer opens a connection that reports to h. */
export type Dialer = (h: ConnHandlers) => Conn;

/** WebSocketLike is the part of the WebSocket API the SDK uses (the browser's, or the `ws` package's in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** WebSocketConstructor builds a WebSocketLike for a URL. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** webSocketDialer dials url with Ctor (globalThis.WebSocket by default). */
export function webSocketDialer(url: string, Ctor?: WebSocketConstructor): Dialer {
  return (h) => {
    const WS = Ctor ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) {
      throw new Error('parley: no WebSocket implementation; pass one as the WebSocket option');
    }
    const ws = new WS(url);
    let ended = false;
    const end = (reason?: string) => {
      if (!ended) {
        ended = true;
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        h.close(reason);
      }
    };
    ws.onopen = () => h.open();
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        h.frame(ev.data);
      }
    };
    ws.onclose = (ev) => end(`closed ${ev.code ?? ''} ${ev.reason ?? ''}`.trim());
    ws.onerror = () => end('websocket error');
    return {
      send: (text) => {
        if (!ended) {
          ws.send(text);
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
