// Durable client state: the outbox (so a send survives a page reload) and
// the device id (so the server resumes this browser from its own delivered
// mark, hi.dev). IndexedDB where there is one; memory otherwise.

import type { OutboxItem } from './outbox.js';

/**
 * Storage keeps what must outlive the page. Writes are fire-and-forget and
 * applied in call order: `send()` must never wait on the disk, and a put
 * followed by a delete of the same msgid must end deleted.
 */
export interface Storage {
  /** loadOutbox returns every stored send, in send order. */
  loadOutbox(): Promise<OutboxItem[]>;
  putSend(item: OutboxItem): void;
  deleteSend(msgid: string): void;
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string): void;
  /** flush resolves when every write issued so far is durable. */
  flush(): Promise<void>;
  close(): void;
}

/** MemoryStorage keeps state for the life of the page only (Node without IndexedDB, or tests). */
export class MemoryStorage implements Storage {
  private readonly sends = new Map<string, OutboxItem>();
  private readonly values = new Map<string, string>();

  async loadOutbox(): Promise<OutboxItem[]> {
    return [...this.sends.values()].sort((a, b) => a.order - b.order);
  }
  putSend(item: OutboxItem): void {
    this.sends.set(item.msgid, item);
  }
  deleteSend(msgid: string): void {
    this.sends.delete(msgid);
  }
  async getValue(key: string): Promise<string | undefined> {
    return this.values.get(key);
  }
  setValue(key: string, value: string): void {
    this.values.set(key, value);
  }
  async flush(): Promise<void> {}
  close(): void {}
}

const outboxStore = 'outbox';
const valueStore = 'values';

/**
 * IndexedDbStorage keeps the outbox in an IndexedDB database (one object
 * store keyed by msgid, one of small values). Each write is its own
 * readwrite transaction on the same stores; IndexedDB runs such
 * transactions in the order they were created, which gives call order.
 */
export class IndexedDbStorage implements Storage {
  private readonly db: Promise<IDBDatabase>;
  private last: Promise<void> = Promise.resolve();

  /**
   * The database opens in the background. If it does not open within
   * openTimeoutMs (some browsers never answer the open, e.g. in private
   * modes or some headless set-ups; another tab may block an upgrade), or
   * fails, reads reject and writes are dropped: the client then starts
   * with an empty outbox and keeps its sends in memory, rather than never
   * connecting.
   */
  constructor(name = 'parley-sdk', factory: IDBFactory = globalThis.indexedDB, openTimeoutMs = 3000) {
    this.db = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('parley: IndexedDB did not open')), openTimeoutMs);
      try {
        const req = factory.open(name, 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore(outboxStore, { keyPath: 'msgid' });
          req.result.createObjectStore(valueStore);
        };
        req.onsuccess = () => {
          clearTimeout(timer);
          resolve(req.result);
        };
        req.onerror = () => {
          clearTimeout(timer);
          reject(req.error);
        };
      } catch (e) {
        clearTimeout(timer);
        reject(e);
      }
    });
    this.db.catch(() => undefined); // callers see the failure; an unused one must not be reported as unhandled
  }

  async loadOutbox(): Promise<OutboxItem[]> {
    const items = await this.read<OutboxItem[]>(outboxStore, (s) => s.getAll());
    return items.sort((a, b) => a.order - b.order);
  }

  putSend(item: OutboxItem): void {
    this.write(outboxStore, (s) => s.put(item));
  }

  deleteSend(msgid: string): void {
    this.write(outboxStore, (s) => s.delete(msgid));
  }

  async getValue(key: string): Promise<string | undefined> {
    return this.read<string | undefined>(valueStore, (s) => s.get(key));
  }

  setValue(key: string, value: string): void {
    this.write(valueStore, (s) => s.put(value, key));
  }

  flush(): Promise<void> {
    return this.last;
  }

  close(): void {
    void this.last.finally(() => this.db.then((db) => db.close(), () => {}));
  }

  private read<T>(store: string, op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
    return this.db.then((db) => new Promise<T>((resolve, reject) => {
      const req = op(db.transaction(store, 'readonly').objectStore(store));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error);
    }));
  }

  private write(store: string, op: (s: IDBObjectStore) => IDBRequest): void {
    // Callbacks on one promise run in the order they were added, so the
    // transactions are created in call order even before the database is
    // open, and IndexedDB runs overlapping readwrite transactions in creation
    // order: the last one completing means all have. A failed write is not
    // fatal (the send is still in memory and on its way), so it resolves too.
    this.last = this.db.then((db) => new Promise<void>((resolve) => {
      const tx = db.transaction(store, 'readwrite');
      op(tx.objectStore(store));
      tx.oncomplete = () => resolve();
      tx.onerror = () => resolve();
      tx.onabort = () => resolve();
    }), () => undefined);
  }
}

/** defaultStorage is IndexedDB where the platform has it, else memory. */
export function defaultStorage(name?: string): Storage {
  return typeof globalThis.indexedDB !== 'undefined' ? new IndexedDbStorage(name) : new MemoryStorage();
}
