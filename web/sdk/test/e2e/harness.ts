// Shared setup for the tests against a real `parley serve` process: the
// server (started, SIGKILLed and restarted on the same port and data), SDK
// clients on Node's `ws`, and waiting with deadlines instead of sleeps.
//
// PARLEY_BIN names the binary (the Go test web/sdk/sdk_test.go builds it and
// sets it); without it these tests are skipped.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Client, type ClientOptions, type WebSocketConstructor } from '../../src/index.js';

export const BIN = process.env.PARLEY_BIN ?? '';
export const PASSWORD = 'pass123';

/** RUN makes account names unique per run. */
export const RUN = Date.now().toString(36).slice(-5) + Math.floor(Math.random() * 1296).toString(36);

const servingLine = 'msg="parley serving" addr=';

/** Server is one `parley serve` process over a data directory it keeps across restarts. */
export class Server {
  addr = '';
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  log = '';

  private constructor(readonly dir: string, private readonly env: Record<string, string>) {}

  /** start runs a server; env adds to its environment (PARLEY_ADMIN_TOKEN for the admin API). */
  static async start(env: Record<string, string> = {}): Promise<Server> {
    const s = new Server(mkdtempSync(join(tmpdir(), 'parley-sdk-')), env);
    await s.run('127.0.0.1:0');
    return s;
  }

  /** kill ends the process with SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    this.proc?.kill('SIGKILL');
    await this.exited;
  }

  /** restart starts the server again on the same address and data. */
  async restart(): Promise<void> {
    await this.run(this.addr);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(listen: string): Promise<void> {
    const proc = spawn(BIN, ['serve', '--listen', listen, '--data', this.dir], {
      env: { ...process.env, PARLEY_PASSWORD_COST: '4', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    const from = this.log.length; // look for this run's announcement only
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`parley did not start:\n${this.log}`)), 30_000);
      const onData = (b: Buffer) => {
        this.log += b.toString();
        const i = this.log.indexOf(servingLine, from);
        if (i >= 0) {
          this.addr = this.log.slice(i + servingLine.length).split(/\s/)[0]!;
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`parley exited with ${code}:\n${this.log}`));
      });
    });
  }
}

/** client makes an SDK client for the server with short backoffs and no durable storage unless given. */
export function client(s: Server, o: Partial<ClientOptions> = {}): Client {
  return new Client({ host: s.addr, WebSocket: WebSocket as unknown as WebSocketConstructor, storage: false,
    backoffBaseMs: 50, backoffMaxMs: 500, sendTimeoutMs: 3000, ...o });
}

/** signup connects a new client and creates its account. */
export async function signup(s: Server, name: string, o: Partial<ClientOptions> = {}): Promise<Client> {
  const c = client(s, o);
  await c.connect();
  await c.signup(`${name}${RUN}`, PASSWORD, { fn: name });
  return c;
}

/** waitFor polls cond until it is true, failing after ms with what and the detail it returns. */
export async function waitFor(cond: () => boolean, what: string | (() => string), ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** admin calls the server's admin API (docs/operations.md, *Staff and teams*) and returns its JSON answer. */
export async function admin(s: Server, token: string, method: string, path: string, body?: object): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${s.addr}/v0/admin/${path}`, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}
