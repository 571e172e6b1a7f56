// The client's options and their defaults.

import type { Message } from './message.js';
import type { WebSocketConstructor } from './net/conn.js';
import type { FetchLike } from './net/longpoll.js';
import type { Storage } from './storage.js';

/** ClientOptions configure a Client. Only host is required. */
export interface ClientOptions {
  /** host is the server's address, "chat.example.com" or "127.0.0.1:6060". */
  host: string;
  /** hosts are the addresses of a cluster's nodes: each connection goes to the next one, so a client fails over when its node dies (host then serves file uploads only). */
  hosts?: readonly string[];
  /** secure selects wss:// and https:// (default: true on an https page, else false). */
  secure?: boolean;
  /** apiKey is sent as the apikey query parameter (any value unless the server requires one). */
  apiKey?: string;
  /** transport: 'auto' (WebSocket, long polling when WebSocket never connects), 'ws' or 'lp'. */
  transport?: 'auto' | 'ws' | 'lp';
  /**
   * format is the WebSocket codec: 'json' (Tinode JSON, the default) or 'protobuf' (the parley-protobuf
   * subprotocol: binary frames, several messages per frame, large ones compressed). The protobuf codec is
   * loaded on first use, so a JSON application never downloads it. Long polling always speaks JSON.
   */
  format?: 'json' | 'protobuf';
  /** WebSocket is the constructor to use where there is no global one (Node 20: the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** fetch is used for long polling and file uploads (default: the global fetch). */
  fetch?: FetchLike;
  /** storage keeps the outbox and the device id: IndexedDB where there is one, else memory; false for memory. */
  storage?: Storage | false;
  /** storageName names the IndexedDB database (default "parley-sdk"). */
  storageName?: string;
  /** storageWaitMs is how long connect() waits for storage to be read; later, what it holds is restored when it comes. */
  storageWaitMs?: number;
  /** deviceId is sent as hi.dev; by default made up once and kept in storage. */
  deviceId?: string;
  userAgent?: string;
  /** filter keeps messages out of the pools at the source (messages the UI never shows); own sends always enter. */
  filter?: (m: Message) => boolean;
  /** history is how many messages the first join of a conversation loads. */
  history?: number;
  /** ackDelayMs batches acknowledgements: all conversations' in one frame after this delay. */
  ackDelayMs?: number;
  /** sendTimeoutMs is how long a send waits for its ack before it is written again. */
  sendTimeoutMs?: number;
  /** maxAttempts is how many writes a send gets on one connection before it is failed. */
  maxAttempts?: number;
  /** maxInFlight caps unacknowledged sends per conversation. */
  maxInFlight?: number;
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  healthyAfterMs?: number;
  probeEveryMs?: number;
  probeTimeoutMs?: number;
  fallbackAfter?: number;
  /** sliceBudgetMs bounds each slice of incoming work before the SDK yields to the page. */
  sliceBudgetMs?: number;
}

export type Resolved = Required<Omit<ClientOptions, 'WebSocket' | 'fetch' | 'deviceId' | 'filter' | 'storage' |
  'apiKey' | 'secure' | 'hosts'>> & ClientOptions & { secure: boolean };

export function resolve(o: ClientOptions): Resolved {
  const https = (globalThis as { location?: { protocol?: string } }).location?.protocol === 'https:';
  return {
    transport: 'auto',
    format: 'json',
    storageName: 'parley-sdk',
    storageWaitMs: 3000,
    userAgent: 'parley-sdk-ts/0.1',
    history: 50,
    ackDelayMs: 100,
    sendTimeoutMs: 10_000,
    maxAttempts: 5,
    maxInFlight: 64,
    requestTimeoutMs: 15_000,
    backoffBaseMs: 500,
    backoffMaxMs: 30_000,
    healthyAfterMs: 10_000,
    probeEveryMs: 25_000,
    probeTimeoutMs: 10_000,
    fallbackAfter: 2,
    sliceBudgetMs: 6,
    ...o,
    secure: o.secure ?? https,
  };
}

/** urls returns the WebSocket and long-polling endpoints of the server (of host, one node of a cluster, if given). */
export function urls(o: Resolved, host = o.host): { ws: string; lp: string } {
  const key = `apikey=${encodeURIComponent(o.apiKey ?? 'none')}`;
  return {
    ws: `${o.secure ? 'wss' : 'ws'}://${host}/v0/channels?${key}`,
    lp: `${o.secure ? 'https' : 'http'}://${host}/v0/channels/lp?${key}`,
  };
}

/** hostsOf lists the nodes to dial: hosts when given, else host. */
export function hostsOf(o: Resolved): readonly string[] {
  return o.hosts !== undefined && o.hosts.length > 0 ? o.hosts : [o.host];
}
