// Headless Chromium driven through the DevTools protocol, for the test of
// the example page in a real browser. Used only when a chromium binary is
// found (CHROMIUM, or chromium / chromium-browser on PATH).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

/** chromiumPath is the browser to use, or ''. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM) {
    return process.env.CHROMIUM;
  }
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) {
      return r.stdout.trim();
    }
  }
  return '';
}

/** Browser is one headless Chromium with one page. */
export class Browser {
  private proc: ChildProcess | undefined;
  private ws: WebSocket | undefined;
  private next = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'parley-chromium-'));

  async start(path: string): Promise<void> {
    // A process group of its own, so close can end Chromium's helper
    // processes with it: one left running still writes into the profile.
    this.proc = spawn(path, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${this.dir}`, '--remote-debugging-port=0', 'about:blank'],
    { stdio: 'ignore', detached: true });
    const port = await poll(() => {
      try {
        return readFileSync(join(this.dir, 'DevToolsActivePort'), 'utf8').split('\n')[0] || undefined;
      } catch {
        return undefined;
      }
    }, 'chromium to listen');
    const targets = await poll(async () => {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
      return list.find((t) => t.type === 'page');
    }, 'a page target');
    this.ws = new WebSocket(targets.webSocketDebuggerUrl);
    await new Promise((r) => this.ws!.once('open', r));
  }

  call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    const id = ++this.next;
    return new Promise((resolve) => {
      const on = (d: Buffer) => {
        const m = JSON.parse(d.toString()) as { id?: number; result?: Record<string, unknown> };
        if (m.id === id) {
          this.ws!.off('message', on);
          resolve(m.result ?? {});
        }
      };
      this.ws!.on('message', on);
      this.ws!.send(JSON.stringify({ id, method, params }));
    });
  }

  /** eval runs expression in the page (awaiting a promise) and returns its value. */
  async eval<T>(expression: string): Promise<T> {
    const r = await this.call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    return (r.result as { value: T }).value;
  }

  /** until polls expression in the page until it is truthy. */
  until(expression: string, what: string, ms = 30_000): Promise<unknown> {
    return poll(async () => (await this.eval<unknown>(expression).catch(() => undefined)) || undefined, what, ms);
  }

  async close(): Promise<void> {
    this.ws?.close();
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      try {
        process.kill(-(p.pid ?? 0), 'SIGKILL'); // the whole group: helpers too
      } catch {
        p.kill('SIGKILL');
      }
      await exited;
    }
    // A helper may still be on its way out for a moment after the group
    // was killed: retry rather than fail the test on its last writes.
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
}

async function poll<T>(f: () => T | undefined | Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(f()).catch(() => undefined);
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
