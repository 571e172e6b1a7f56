// The committed protobuf code is what proto/parley.proto generates today:
// `npm run proto` after every change of the schema.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const sdk = fileURLToPath(new URL('..', import.meta.url));
const bin = join(sdk, '..', 'node_modules', '.bin');

it('src/protobuf/gen is generated from proto/parley.proto as it is', () => {
  const out = mkdtempSync(join(tmpdir(), 'parley-protogen-'));
  try {
    execFileSync(join(bin, 'buf'), ['generate', '-o', out], { cwd: sdk,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, stdio: 'pipe' });
    const fresh = readFileSync(join(out, 'src', 'protobuf', 'gen', 'parley_pb.ts'), 'utf8');
    const committed = readFileSync(join(sdk, 'src', 'protobuf', 'gen', 'parley_pb.ts'), 'utf8');
    expect(fresh === committed, 'src/protobuf/gen is stale: run `npm run proto` in web/sdk').toBe(true);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
