/**
 * Runs the deployment example deploy/nginx/lwtwin-coap.conf as a real UDP load balancer on loopback, for the
 * two-node end-to-end test and the `scale` benchmark: the example is templated only where a throw-away run must
 * differ (the backends, the listen address and port, where the stream module lives, and no root paths — `daemon off`,
 * pid and error log in a temporary prefix directory, `nginx -p <tmp> -e <tmp>/error.log -c <tmp>/nginx.conf`).
 * Everything else — `hash $remote_addr consistent`, `max_fails`/`fail_timeout`, `proxy_timeout`, no
 * `proxy_responses`, `reuseport`, the worker settings — runs as written.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The example in the repository (from the sources, or from the compiled copy under dist/). */
export const NGINX_EXAMPLE = ['../../deploy/nginx/lwtwin-coap.conf', '../../../deploy/nginx/lwtwin-coap.conf'].map((p) => path.resolve(import.meta.dirname, p)).find((p) => existsSync(p)) ?? path.resolve(import.meta.dirname, '../../deploy/nginx/lwtwin-coap.conf');

/** Where Debian's libnginx-mod-stream puts the module (and where its modules-available snippet points). */
const MODULE_CANDIDATES = ['/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so'];
const MODULES_AVAILABLE = '/usr/share/nginx/modules-available/mod-stream.conf';

export interface Backend {
  address: string;
  port: number;
}

/** The nginx binary and the stream module on this machine, or why there is none. */
export function findNginx(): { nginx: string; streamModule: string } | { missing: string } {
  const which = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  const nginx = which.stdout.trim().split('\n')[0];
  if (!nginx) return { missing: 'nginx is not installed (Debian: apt-get install nginx libnginx-mod-stream)' };
  const fromSnippet = existsSync(MODULES_AVAILABLE) ? /load_module\s+(\S+);/.exec(readFileSync(MODULES_AVAILABLE, 'utf8'))?.[1] : undefined;
  // Debian's snippet names the module relative to nginx's compiled-in prefix, /usr/share/nginx
  const candidates = [...MODULE_CANDIDATES, ...(fromSnippet ? [path.resolve('/usr/share/nginx', fromSnippet)] : [])];
  const streamModule = candidates.find((p) => existsSync(p));
  if (!streamModule) return { missing: `nginx has no stream module (none of ${candidates.join(', ')}; Debian: apt-get install libnginx-mod-stream)` };
  return { nginx, streamModule };
}

/** The example with the test's backends, listen port and module path, writing only below `prefix`. */
export function templateNginxConfig(example: string, o: { backends: readonly Backend[]; listenPort: number; streamModule: string; prefix: string }): string {
  const lines = example.split('\n');
  const serverLines = lines.filter((l) => /^\s*server\s+\S+:\d+\s/.test(l));
  if (serverLines.length === 0) throw new Error('deploy/nginx example: no upstream `server host:port ...;` lines to template');
  const params = /^\s*server\s+\S+(.*);/.exec(serverLines[0])![1];
  const indent = /^\s*/.exec(serverLines[0])![0];
  let upstreamDone = false;
  const out: string[] = [];
  for (const line of lines) {
    if (/^\s*load_module\s+\S*ngx_stream_module\.so;/.test(line)) {
      out.push(`load_module ${o.streamModule};`, 'daemon off;', `pid ${path.join(o.prefix, 'nginx.pid')};`, `error_log ${path.join(o.prefix, 'error.log')} notice;`);
    } else if (serverLines.includes(line)) {
      if (!upstreamDone) out.push(...o.backends.map((b) => `${indent}server ${b.address}:${b.port}${params};`));
      upstreamDone = true;
    } else if (/^\s*listen\s+\d+\s+udp/.test(line)) {
      out.push(line.replace(/listen\s+\d+/, `listen 127.0.0.1:${o.listenPort}`));
    } else {
      out.push(line);
    }
  }
  const text = out.join('\n');
  if (!text.includes(`listen 127.0.0.1:${o.listenPort}`)) throw new Error('deploy/nginx example: no `listen <port> udp` line to template');
  if (!text.includes('daemon off;')) throw new Error('deploy/nginx example: no stream load_module line to template');
  return text;
}

/** A running nginx in front of `backends`, listening on 127.0.0.1:`port`. */
export class NginxUdpBalancer {
  readonly kind = 'nginx' as const;

  private constructor(
    private readonly child: ChildProcess,
    private readonly prefix: string,
    readonly port: number,
    readonly configText: string,
  ) {}

  get address(): { address: string; port: number } {
    return { address: '127.0.0.1', port: this.port };
  }

  /** nginx's error log so far (session errors, upstreams marked down). */
  errorLog(): string {
    const file = path.join(this.prefix, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  static async start(backends: readonly Backend[], listenPort: number): Promise<NginxUdpBalancer> {
    const found = findNginx();
    if ('missing' in found) throw new Error(found.missing);
    const example = readFileSync(NGINX_EXAMPLE, 'utf8'); // before the temporary directory: a failure leaves nothing behind
    const prefix = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-nginx-'));
    let configText: string;
    try {
      configText = templateNginxConfig(example, { backends, listenPort, streamModule: found.streamModule, prefix });
    } catch (err) {
      rmSync(prefix, { recursive: true, force: true });
      throw err;
    }
    const conf = path.join(prefix, 'nginx.conf');
    writeFileSync(conf, configText);
    let stderr = '';
    const child = spawn(found.nginx, ['-p', prefix, '-e', path.join(prefix, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const lb = new NginxUdpBalancer(child, prefix, listenPort, configText);
    // the master writes its pid file after binding the listening sockets (one per worker with reuseport)
    const pidFile = path.join(prefix, 'nginx.pid');
    for (let i = 0; i < 200 && !existsSync(pidFile) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
    if (!existsSync(pidFile)) {
      const log = lb.errorLog();
      await lb.close();
      throw new Error(`nginx did not start: ${stderr.trim()} ${log.trim()}`.trim());
    }
    return lb;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM'); // fast shutdown: master and workers exit at once
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }
}
