import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNginx, NGINX_EXAMPLE, templateNginxConfig } from '../../scripts/deploy/nginx-udp-balancer.ts';

const found = findNginx();

describe('deploy/nginx: the UDP load-balancer example', () => {
  it('templates only the backends, the listen address, the module path and the run files', () => {
    const text = templateNginxConfig(readFileSync(NGINX_EXAMPLE, 'utf8'), {
      backends: [{ address: '127.0.0.1', port: 4001 }, { address: '127.0.0.1', port: 4002 }, { address: '127.0.0.1', port: 4003 }],
      listenPort: 5999,
      streamModule: '/x/ngx_stream_module.so',
      prefix: '/tmp/p',
    });
    expect(text).toContain('load_module /x/ngx_stream_module.so;\ndaemon off;\npid /tmp/p/nginx.pid;\nerror_log /tmp/p/error.log notice;');
    expect(text.match(/server 127\.0\.0\.1:400\d max_fails=1 fail_timeout=10s;/g)).toHaveLength(3);
    expect(text).not.toContain('10.0.0.');
    expect(text).toContain('listen 127.0.0.1:5999 udp reuseport;');
    for (const kept of ['hash $remote_addr consistent;', 'proxy_timeout 24h;', 'proxy_pass lwtwin_coap;']) expect(text).toContain(kept);
    expect(text).not.toMatch(/^\s*proxy_responses/m);
  });

  // `npm test` installs nginx and libnginx-mod-stream (scripts/bootstrap.mjs); without them the example cannot be parsed.
  it.skipIf('missing' in found)('is accepted by Debian nginx with the stream module (nginx -t), as written and as templated', () => {
    if ('missing' in found) return;
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-nginx-'));
    try {
      const asWritten = spawnSync(found.nginx, ['-t', '-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', NGINX_EXAMPLE], { encoding: 'utf8' });
      expect(asWritten.stderr).toContain('syntax is ok');
      expect(asWritten.status).toBe(0);
      const conf = path.join(prefix, 'nginx.conf');
      writeFileSync(conf, templateNginxConfig(readFileSync(NGINX_EXAMPLE, 'utf8'), { backends: [{ address: '127.0.0.1', port: 4001 }], listenPort: 5999, streamModule: found.streamModule, prefix }));
      const templated = spawnSync(found.nginx, ['-t', '-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', conf], { encoding: 'utf8' });
      expect(templated.stderr).toContain('test is successful');
      expect(templated.status).toBe(0);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
