// What a message shows: its text and its files, read from a plain string or
// a Drafty document ({txt, ent}) whose EX (file) and IM (image) entities
// carry name, type, size and the server's URL (ref).

import type { Message } from '@parley-im/sdk';

export interface FileRef {
  name: string;
  mime: string;
  size: number;
  /** url is the server's /v0/file/s/… address, "" while the upload runs. */
  url: string;
  image: boolean;
}

export interface Shown {
  text: string;
  files: FileRef[];
}

interface Entity {
  tp?: unknown;
  data?: Record<string, unknown>;
}

/** shownOf reads a message's content. Anything else than a string or Drafty shows as its JSON. */
export function shownOf(m: Message): Shown {
  const c = m.content;
  if (typeof c === 'string') {
    return { text: c, files: [] };
  }
  if (typeof c !== 'object' || c === null) {
    return { text: c === undefined || c === null ? '' : String(c), files: [] };
  }
  const d = c as { txt?: unknown; ent?: unknown };
  const files: FileRef[] = [];
  for (const e of Array.isArray(d.ent) ? (d.ent as Entity[]) : []) {
    if ((e.tp === 'EX' || e.tp === 'IM') && e.data) {
      files.push({
        name: typeof e.data.name === 'string' ? e.data.name : '',
        mime: typeof e.data.mime === 'string' ? e.data.mime : '',
        size: typeof e.data.size === 'number' ? e.data.size : 0,
        url: typeof e.data.ref === 'string' ? e.data.ref : '',
        image: e.tp === 'IM',
      });
    }
  }
  const txt = typeof d.txt === 'string' ? d.txt.trim() : files.length ? '' : JSON.stringify(c);
  return { text: files.length && files.some((f) => f.name === txt) ? '' : txt, files };
}

/** suggestionsOf is a robot message's tappable suggestions (head.suggestions). */
export function suggestionsOf(m: Message): string[] {
  const s = m.head.suggestions;
  return Array.isArray(s) ? s.filter((x): x is string => typeof x === 'string' && x.trim() !== '').slice(0, 8) : [];
}

/** isRobot tells a robot's answer (head.type "robot"). */
export function isRobot(m: Message): boolean {
  return m.head.type === 'robot';
}

/** eventOf is a conversation event's kind (head.event), or "". */
export function eventOf(m: Message): string {
  return typeof m.head.event === 'string' ? m.head.event : '';
}

/** fileUrl is a download address that carries the login: an <img> or link cannot send a header. */
export function fileUrl(f: FileRef, token: string, download: boolean): string {
  if (!f.url) {
    return '';
  }
  const sep = f.url.includes('?') ? '&' : '?';
  return `${f.url}${sep}auth=token&secret=${encodeURIComponent(token)}${download ? '&asatt=1' : ''}`;
}

/** sizeText is a file size for people. */
export function sizeText(n: number): string {
  if (n < 1024) {
    return `${n} B`;
  }
  return n < 1 << 20 ? `${(n / 1024).toFixed(0)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`;
}
