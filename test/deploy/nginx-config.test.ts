import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.ts';

const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

// `npm test` installs libnginx-mod-stream (scripts/bootstrap.mjs); a machine without it cannot parse the example.
describe.skipIf(!existsSync(STREAM_MODULE))('deploy/nginx: the UDP load-balancer example', () => {
  it('is accepted by Debian nginx with the stream module (nginx -t)', () => {
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-nginx-'));
    try {
      const r = spawnSync('nginx', ['-t', '-p', prefix, '-c', path.join(ROOT, 'deploy/nginx/lwtwin-coap.conf')], { encoding: 'utf8' });
      expect(r.stderr).toContain('syntax is ok');
      expect(r.status).toBe(0);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
