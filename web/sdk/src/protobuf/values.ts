// How the values of Tinode's JSON model travel in protobuf (as the server's
// internal/pbx does it): free-form JSON values as their JSON text in bytes,
// times as int64 milliseconds since the epoch (0: unset), secrets as their
// bytes (the base64 of the JSON form decoded).

import type { SeqRange } from './gen/parley_pb.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Obj is a JSON object as the SDK builds or reads it. */
export type Obj = Record<string, unknown>;

/** obj returns v when it is a JSON object, else undefined. */
export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function str(o: Obj, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}

export function int(o: Obj, key: string): number {
  const v = o[key];
  return typeof v === 'number' ? Math.trunc(v) : 0;
}

export function bool(o: Obj, key: string): boolean {
  return o[key] === true;
}

export function strings(o: Obj, key: string): string[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** jsonBytes is a value's JSON text; an absent value is no bytes. */
export function jsonBytes(v: unknown): Uint8Array {
  return v === undefined ? new Uint8Array(0) : textEncoder.encode(JSON.stringify(v));
}

/** jsonValue reads JSON text; no bytes is an absent value. */
export function jsonValue(b: Uint8Array): unknown {
  return b.length === 0 ? undefined : JSON.parse(textDecoder.decode(b));
}

/** bytesMap turns an object of JSON values into map<string, bytes>. */
export function bytesMap(v: unknown): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [k, x] of Object.entries(obj(v) ?? {})) {
    if (x !== undefined && x !== null) {
      out[k] = jsonBytes(x);
    }
  }
  return out;
}

/** valueMap reads map<string, bytes> back into an object, or undefined when empty. */
export function valueMap(m: Record<string, Uint8Array>): Obj | undefined {
  const entries = Object.entries(m);
  if (entries.length === 0) {
    return undefined;
  }
  const out: Obj = {};
  for (const [k, b] of entries) {
    out[k] = jsonValue(b);
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** base64Bytes decodes the base64 text of a JSON secret. */
export function base64Bytes(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    out[i] = bin.charCodeAt(i);
  }
  return out;
}

/** millis reads a JSON time (RFC 3339 text) as int64 milliseconds; 0 when unset. */
export function millis(v: unknown): bigint {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? 0n : BigInt(t);
}

/** time writes int64 milliseconds as the JSON time, or undefined for 0. */
export function time(ms: bigint): string | undefined {
  return ms === 0n ? undefined : new Date(Number(ms)).toISOString();
}

export function rangesOf(v: unknown): { low: number; hi: number }[] {
  if (!Array.isArray(v)) {
    return [];
  }
  return v.map((r) => {
    const o = obj(r) ?? {};
    return { low: int(o, 'low'), hi: int(o, 'hi') };
  });
}

export function rangesJSON(rs: SeqRange[]): { low?: number; hi?: number }[] | undefined {
  return rs.length === 0 ? undefined : rs.map((r) => compact({ low: r.low, hi: r.hi }));
}

/** compact drops the keys whose values JSON would omit (undefined, 0, '', false, empty). */
export function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (v === undefined || v === 0 || v === '' || v === false || (Array.isArray(v) && v.length === 0)) {
      delete o[k];
    }
  }
  return o;
}

/**
 * withValues adds the JSON values that are present to o. Unlike compact it
 * keeps 0, '', false and [] — a message's content may be any of them — and
 * leaves out only what was absent on the wire.
 */
export function withValues<T extends Obj>(o: T, values: Obj): T {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined) {
      (o as Obj)[k] = v;
    }
  }
  return o;
}
