// File sends: the upload is the first step of the send, in the
// conversation's ordered outbox. The file message is shown at once; its
// outbox slot is "preparing" while the upload runs, which holds back every
// later send of that conversation (shown at once too, after the file, with
// virtual seqs). When the upload answers, the message gets the file's URL and
// goes out, then those behind it; when it fails, the file message is failed
// (resend uploads again) and the others go on.

import type { Client } from './client.js';
import { localMessage, newMsgId, type Message } from './message.js';
import type { FetchLike } from './net/longpoll.js';

/** FileInput is what sendFile takes: a Blob or File, or bytes with a name and type. */
export type FileInput = Blob | { name: string; type?: string; data: Uint8Array };

/** SendFileOptions adjust a file send. */
export interface SendFileOptions {
  /** name overrides the file's name (a Blob has none: "file"). */
  name?: string;
  /** head is added to the message's head, as in send. */
  head?: Record<string, unknown>;
}

interface Pending {
  blob: Blob;
  name: string;
  type: string;
}

/** Files runs the uploads of file sends. */
export class Files {
  /** files whose upload has not succeeded yet, kept in memory for a resend. */
  private readonly pending = new Map<string, Pending>();
  private readonly aborts = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly c: Client) {}

  has(msgid: string): boolean {
    return this.pending.has(msgid);
  }

  /** send shows the file message, queues its preparing send and starts the upload. */
  send(topic: string, file: FileInput, opts: SendFileOptions = {}): Message {
    const c = this.c;
    const f = normalize(file, opts.name);
    const cv = c.conv(topic);
    const m = localMessage(topic, newMsgId(), c.userId, draftyFile(f), opts.head);
    const afterSeq = cv.pool.maxSeq;
    cv.pool.addLocal(m, afterSeq);
    c.messageSubject.next(m);
    cv.publish();
    c.publishList();
    this.pending.set(m.msgid, f);
    c.sender.enqueue({ topic, msgid: m.msgid, content: m.content, head: opts.head, user: c.userId,
      order: c.outbox.nextOrder(), afterSeq }, true);
    c.attachIfIdle(cv);
    this.upload(topic, m.msgid);
    return m;
  }

  /** upload runs the upload of msgid's file, then readies its send; a failure fails it. */
  upload(topic: string, msgid: string): void {
    const f = this.pending.get(msgid);
    if (!f) {
      return;
    }
    const abort = new AbortController();
    this.aborts.add(abort);
    this.post(f, abort.signal).then((params) => {
      if (this.stopped) {
        return;
      }
      this.pending.delete(msgid);
      const url = params.url as string;
      const content = draftyFile(f, url, params);
      const refs = [url];
      if (typeof params.preview === 'string' && params.preview) {
        refs.push(params.preview);
      }
      this.c.sender.ready(topic, msgid, content, refs);
    }, () => {
      if (!this.stopped) {
        this.c.sender.settle(topic, msgid, 'failed'); // out of the outbox: the sends behind it go on
      }
    }).finally(() => this.aborts.delete(abort));
  }

  stop(): void {
    this.stopped = true;
    this.aborts.forEach((a) => a.abort());
  }

  /** post uploads f as tinode-sdk does (multipart part "file", the token in X-Tinode-Auth) and returns the ctrl's params. */
  private async post(f: Pending, signal: AbortSignal): Promise<Record<string, unknown>> {
    const c = this.c;
    const token = c.token;
    if (!token) {
      throw new Error('parley: upload needs a login');
    }
    const form = new FormData();
    form.append('file', f.blob, f.name);
    const o = c.o;
    const url = `${o.secure ? 'https' : 'http'}://${o.host}/v0/file/u/?apikey=${encodeURIComponent(o.apiKey ?? 'none')}`;
    const doFetch = o.fetch ?? (globalThis.fetch as unknown as FetchLike);
    const res = await doFetch(url, { method: 'POST', body: form, headers: { 'X-Tinode-Auth': `Token ${token}` }, signal });
    const text = await res.text();
    let ctrl: { code?: number; text?: string; params?: Record<string, unknown> } | undefined;
    try {
      ctrl = (JSON.parse(text) as { ctrl?: typeof ctrl }).ctrl;
    } catch {
      throw new Error(`parley: upload: HTTP ${res.status}`);
    }
    if (ctrl?.code !== 200 || typeof ctrl.params?.url !== 'string' || !ctrl.params.url) {
      throw new Error(`parley: upload: ${ctrl?.code ?? res.status} ${ctrl?.text ?? ''}`);
    }
    return ctrl.params;
  }
}

function normalize(file: FileInput, name?: string): Pending {
  if (file instanceof Blob) {
    return { blob: file, name: name ?? (file as { name?: string }).name ?? 'file', type: file.type };
  }
  const type = file.type ?? '';
  return { blob: new Blob([file.data as BlobPart], { type }), name: name ?? file.name, type };
}

/**
 * draftyFile is the Drafty document of a file message, as Tinode clients
 * send files: an attachment (EX) entity, or an image (IM) entity when the
 * server read its dimensions (with its preview as preref). Without a ref it
 * is the placeholder shown while the upload runs.
 */
export function draftyFile(f: { name: string; type: string; blob: Blob }, ref?: string,
  params: Record<string, unknown> = {}): unknown {
  const data: Record<string, unknown> = { mime: f.type, name: f.name, size: f.blob.size };
  if (ref) {
    data.ref = ref;
  }
  let tp = 'EX';
  const w = params.width, h = params.height;
  if (typeof w === 'number' && typeof h === 'number' && w > 0 && h > 0) {
    tp = 'IM';
    data.width = w;
    data.height = h;
    if (typeof params.preview === 'string' && params.preview) {
      data.preref = params.preview;
    }
  }
  return { txt: ' ', fmt: [{ at: -1, len: 0, key: 0 }], ent: [{ tp, data }] };
}

/** attachmentsOf lists the file URLs a Drafty document links (its entities' ref and preref). */
export function attachmentsOf(content: unknown): string[] | undefined {
  const ent = (content as { ent?: unknown } | null)?.ent;
  if (!Array.isArray(ent)) {
    return undefined;
  }
  const out: string[] = [];
  for (const e of ent) {
    const d = (e as { data?: Record<string, unknown> } | null)?.data;
    for (const k of ['ref', 'preref']) {
      const v = d?.[k];
      if (typeof v === 'string' && v && !v.startsWith('data:')) {
        out.push(v);
      }
    }
  }
  return out.length ? out : undefined;
}
