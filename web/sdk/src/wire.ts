// The shapes of the JSON frames the SDK sends and receives (Tinode's wire
// protocol 0.25 with Parley's extensions: head.msgid, {datares}, {action},
// epochs). Only the fields the SDK reads or writes are typed.

export type Params = Record<string, unknown>;

export interface Ctrl {
  id?: string;
  topic?: string;
  code: number;
  text?: string;
  params?: Params;
  ts?: string;
}

export interface Data {
  topic: string;
  from?: string;
  seq: number;
  ts?: string;
  head?: Record<string, unknown>;
  content?: unknown;
  deleted?: string;
}

export interface Desc {
  seq?: number;
  read?: number;
  recv?: number;
  epoch?: number;
  public?: unknown;
  touched?: string;
}

export interface Sub {
  user?: string;
  topic?: string;
  read?: number;
  recv?: number;
  seq?: number;
  public?: unknown;
  trusted?: unknown;
  online?: boolean;
}

export interface Meta {
  id?: string;
  topic: string;
  desc?: Desc;
  sub?: Sub[];
}

export interface Pres {
  topic: string;
  src?: string;
  what: string;
  seq?: number;
  epoch?: number;
  /** dacs is the access change of a {pres what:"acs"}: want and given ("N": none). */
  dacs?: { want?: string; given?: string };
}

export interface Info {
  topic: string;
  from?: string;
  what: string;
  seq?: number;
  payload?: unknown;
}

export interface ServerMsg {
  ctrl?: Ctrl;
  data?: Data;
  meta?: Meta;
  pres?: Pres;
  info?: Info;
}

/** ackFrame is one topic's entry in a {datares}. */
export interface TopicAck {
  topic: string;
  seq: number;
}

/** protocolVersion is the Tinode protocol version the SDK speaks. */
export const protocolVersion = '0.25';

/** Codes the SDK acts on (docs/protocol.md lists them all). */
export const code = {
  ok: 200,
  accepted: 202,
  noContent: 204,
  evicted: 205,
  notModified: 304,
  conflict: 409,
  policy: 422,
  tooMany: 429,
  serverError: 500,
} as const;

/** base64 encodes a string as UTF-8, then base64 (the basic scheme's secret). */
export function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) {
    bin += String.fromCharCode(b);
  }
  return btoa(bin);
}

/** parseTime reads a server timestamp, or undefined. */
export function parseTime(ts: string | undefined): Date | undefined {
  if (!ts) {
    return undefined;
  }
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function num(p: Params | undefined, key: string): number {
  const v = p?.[key];
  return typeof v === 'number' ? v : 0;
}

export function str(p: Params | undefined, key: string): string {
  const v = p?.[key];
  return typeof v === 'string' ? v : '';
}
