// Starts a `parley serve` process for the benchmark (PARLEY_BIN, default
// bin/parley of the repository) on a port the kernel picks, over a fresh data
// folder, and resolves with its address once it logged that it serves.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export async function startServer(token) {
  const bin = process.env.PARLEY_BIN || resolve(import.meta.dirname, '../../../bin/parley');
  const dir = mkdtempSync(join(tmpdir(), 'parley-workbench-bench-'));
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', dir], {
    env: {
      ...process.env, PARLEY_ADMIN_TOKEN: token, PARLEY_PASSWORD_COST: '4', PARLEY_SIGNUP_BURST: '1000000',
      PARLEY_RATE_PER_SECOND: '100000', PARLEY_RATE_BURST: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const addr = await new Promise((ok, fail) => {
    const onData = (b) => {
      log += b.toString();
      const m = /msg="parley serving" addr=(\S+)/.exec(log);
      if (m) {
        ok(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => fail(new Error(`parley exited with ${code}:\n${log}`)));
    setTimeout(() => fail(new Error(`parley did not start within 30 s:\n${log}`)), 30_000);
  });
  return {
    addr,
    stop() {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
