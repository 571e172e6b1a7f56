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
  /** Writes of the current task, committed together in one transaction. */
  private batch: Array<(stores: { outbox: IDBObjectStore; values: IDBObjectStore }) => void> = [];

  /**
   * The database opens in the background; writes wait for it in call
   * order. A database that fails to open (some private modes) makes reads
   * reject and drops writes: the client then keeps its sends in memory. One
   * that is merely slow is waited for by the client only so long
   * (ClientOptions.storageWaitMs); what it holds is restored when it comes.
   */
  constructor(name = 'parley-sdk', factory: IDBFactory = globalThis.indexedDB) {
    this.db = new Promise((resolve, reject) => {
      try {
        const req = factory.open(name, 1);
        req.onupgradeneeded = () => {
          req.result.createObjectStore(outboxStore, { keyPath: 'msgid' });
          req.result.createObjectStore(valueStore);
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      } catch (e) {
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
    this.write((s) => s.outbox.put(item));
  }

  deleteSend(msgid: string): void {
    this.write((s) => s.outbox.delete(msgid));
  }

  async getValue(key: string): Promise<string | undefined> {
    return this.read<string | undefined>(valueStore, (s) => s.get(key));
  }

  setValue(key: string, value: string): void {
    this.write((s) => s.values.put(value, key));
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

  /**
   * write queues op for the transaction of the current task. One
   * transaction per burst of sends, not one per send: each commit costs
   * a disk sync, and a page closed while commits are still queued loses
   * them (the reason this matters: a reload right after sending). Ops run in
   * call order inside the transaction, and IndexedDB runs overlapping
   * readwrite transactions in the order they were created. A failed write
   * is not fatal (the send is still in memory and on its way).
   */
  private write(op: (stores: { outbox: IDBObjectStore; values: IDBObjectStore }) => void): void {
    this.batch.push(op);
    if (this.batch.length > 1) {
      return;
    }
    this.last = this.db.then((db) => new Promise<void>((resolve) => {
      const ops = this.batch;
      this.batch = [];
      const tx = db.transaction([outboxStore, valueStore], 'readwrite');
      const stores = { outbox: tx.objectStore(outboxStore), values: tx.objectStore(valueStore) };
      for (const f of ops) {
        f(stores);
      }
      tx.oncomplete = () => resolve();
      tx.onerror = () => resolve();
      tx.onabort = () => resolve();
    }), () => {
      this.batch = [];
    });
  }
}

/** defaultStorage is IndexedDB where the platform has it, else memory. */
export function defaultStorage(name?: string): Storage {
  return typeof globalThis.indexedDB !== 'undefined' ? new IndexedDbStorage(name) : new MemoryStorage();
}
