// Long polling: the fallback connection when WebSocket cannot connect (a
// proxy that strips the upgrade, a corporate network). One POST creates the
// session, POSTs with a body send frames in order, and an empty POST polls,
// each answer carrying one server message.

import type { Dialer } from './conn.js';

/** FetchLike is the part of fetch the long-polling connection and file uploads use. */
export type FetchLike = (url: string, init: { method: string; body?: string | FormData;
  headers?: Record<string, string>; signal?: AbortSignal }) =>
  Promise<{ status: number; text(): Promise<string> }>;

/** longPollDialer dials the long-polling endpoint url (…/v0/channels/lp?apikey=…). */
export function longPollDialer(url: string, fetchFn?: FetchLike): Dialer {
  return (h) => {
    const doFetch = fetchFn ?? (globalThis.fetch as unknown as FetchLike);
    const abort = new AbortController();
    let ended = false;
    let sid = '';
    let sending: Promise<unknown> = Promise.resolve();
    const end = (reason?: string) => {
      if (!ended) {
        ended = true;
        abort.abort();
        h.close(reason);
      }
    };
    const withSid = () => `${url}${url.includes('?') ? '&' : '?'}sid=${encodeURIComponent(sid)}`;
    const post = (target: string, body?: string) =>
      doFetch(target, { method: 'POST', body, signal: abort.signal });

    const poll = async () => {
      while (!ended) {
        const res = await post(withSid());
        if (res.status === 200) {
          const text = await res.text();
          if (!ended && text) {
            h.frame(text);
          }
        } else if (res.status !== 204) {
          end(`long poll answered ${res.status}`);
        }
      }
    };
    const open = async () => {
      const res = await post(url);
      const text = await res.text();
      if (res.status !== 201 && res.status !== 200) {
        throw new Error(`long poll session answered ${res.status}`);
      }
      const ctrl = (JSON.parse(text) as { ctrl?: { params?: { sid?: string } } }).ctrl;
      sid = ctrl?.params?.sid ?? '';
      if (!sid) {
        throw new Error('long poll session without sid');
      }
      if (!ended) {
        h.open();
        await poll();
      }
    };
    open().catch((e: unknown) => end(String(e)));

    return {
      send: (text) => {
        // Chained: the server must receive frames in the order they were sent.
        sending = sending.then(async () => {
          if (ended) {
            return;
          }
          const res = await post(withSid(), text);
          if (res.status >= 300) {
            end(`long poll send answered ${res.status}`);
          }
        }).catch((e: unknown) => end(String(e)));
      },
      close: () => end(),
    };
  };
}
