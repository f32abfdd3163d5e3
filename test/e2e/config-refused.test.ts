// Configuration that would observe some object with pmax < pmin is refused when the server starts, naming the object,
// rather than failing later in every device's observation set-up.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { exitOf, ROOT } from '../helpers/server-process.ts';

describe('lwtwin server refuses clashing observation periods at start-up', () => {
  it('--observe-pmax 10 with the default override {"5":{"pmin":30}} stops start-up with object 5 named', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/lwtwin.mjs'), 'server', '--coap-port', '0', '--coaps-port', '0', '--http-port', '0', '--redis-url', testRedisUrl(),
      '--redis-prefix', uniquePrefix('cfg'), '--admin-token', 'config-test-admin-token-0123456789', '--observe-pmin', '5', '--observe-pmax', '10'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = await exitOf(child, 20_000);
    if (!exit) child.kill('SIGKILL');
    expect(exit?.code).not.toBe(0);
    expect(stderr).toContain('object 5: pmax 10 is below pmin 30');
  }, 30_000);
});
