/** CLI commands that talk to a running server over the HTTP API. */
import type { Command } from 'commander';
import { loadCliClientConfig } from '../../server/config.ts';
import { ApiClient, pairsToObject } from './api-client.ts';
import { age, flattenReported, table } from './format.ts';

export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export function apiClient(opts: GlobalOptions): ApiClient {
  const cfg = loadCliClientConfig({ url: opts.url, token: opts.token });
  return new ApiClient(cfg.apiUrl, cfg.token);
}

export function print(opts: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write((opts.json ? JSON.stringify(value, null, 2) : human()) + '\n');
}


export function registerClientCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('devices')
    .description('list registered devices')
    .option('--online', 'only devices that are online')
    .option('--limit <n>', 'page size', '100')
    .action(async (o) => {
      const g = globals();
      const res = await apiClient(g).call('get', '/api/devices', { query: { limit: Number(o.limit), ...(o.online ? { online: true } : {}) } });
      print(g, res, () =>
        table(
          res.items.map((d) => ({ endpoint: d.endpoint, online: d.online, binding: d.binding, lwm2m: d.lwm2mVersion, address: `${d.peer?.address}:${d.peer?.port}`, lastSeen: age(d.lastUpdate) })),
        ) + (res.cursor ? `\n(more: --cursor ${res.cursor})` : ''),
      );
    });

  program
    .command('twin <endpoint>')
    .description('print the device twin')
    .action(async (ep) => {
      const g = globals();
      const twin = await apiClient(g).call('get', '/api/devices/{ep}/twin', { path: { ep } });
      print(g, twin, () => {
        const rows = flattenReported(twin.properties?.reported).map((r) => ({ ...r, age: age(r.lastUpdated) }));
        return [
          `device ${twin.deviceId}  version ${twin.version}  etag ${twin.etag}  ${twin.connectionState}`,
          `tags:    ${JSON.stringify(twin.tags)}`,
          `desired: ${JSON.stringify(stripMeta(twin.properties?.desired))}`,
          'reported:',
          table(rows, ['property', 'value', 'age', 'source']),
        ].join('\n');
      });
    });

  program
    .command('get <endpoint> <property>')
    .description('shallow read of one property (name like device.batteryLevel or path like /3/0/9) from the twin')
    .action(async (ep, prop) => {
      const g = globals();
      const r = await apiClient(g).call('get', '/api/devices/{ep}/properties/{property}', { path: { ep, property: prop } });
      print(g, r, () => `${prop} = ${JSON.stringify(r.value)}  (updated ${age(r.lastUpdated)}${r.source ? `, from ${r.source}` : ''})`);
    });

  for (const [name, section] of [
    ['tag', 'tags'],
    ['desire', 'desired'],
  ] as const) {
    program
      .command(`${name} <endpoint> <pairs...>`)
      .description(`set ${section} on a twin: key.sub=value (JSON values allowed, null deletes)`)
      .option('--if-match <etag>', 'only if the twin still has this etag')
      .action(async (ep, pairs: string[], o) => {
        const g = globals();
        const obj = pairsToObject(pairs);
        const body = section === 'tags' ? { tags: obj } : { properties: { desired: obj } };
        const twin = await apiClient(g).call('patch', '/api/devices/{ep}/twin', { path: { ep }, body, headers: o.ifMatch ? { 'if-match': o.ifMatch } : {} });
        print(g, twin, () => `${ep}: ${section} updated, twin version ${twin.version}, etag ${twin.etag}`);
      });
  }

  program
    .command('query <sql>')
    .description(`query twins, e.g. "SELECT * FROM devices WHERE tags.location.plant = 'x'"`)
    .option('--page-size <n>', 'page size', '100')
    .option('--all', 'follow continuation tokens to the end')
    .action(async (sql, o) => {
      const g = globals();
      const api = apiClient(g);
      const items: any[] = [];
      let token: string | undefined;
      do {
        const res = await api.call('post', '/api/query', { body: { query: sql, pageSize: Number(o.pageSize), ...(token ? { continuationToken: token } : {}) } });
        items.push(...res.items);
        token = res.continuationToken;
      } while (o.all && token);
      print(g, { items, continuationToken: token }, () => {
        const rows = items.map((it) => (it.deviceId && it.properties ? { deviceId: it.deviceId, connectionState: it.connectionState, tags: it.tags } : it));
        return table(rows) + `\n${items.length} result(s)` + (token ? ' (more: use --all)' : '');
      });
    });

  program
    .command('watch [endpoint]')
    .description('print live events (registrations, notifications, twin changes, jobs)')
    .action(async (ep) => {
      const g = globals();
      for await (const e of apiClient(g).events(ep ? { deviceId: ep } : {})) {
        process.stdout.write((g.json ? JSON.stringify(e) : `${new Date().toISOString()} ${e.event} ${JSON.stringify(e.data)}`) + '\n');
      }
    });
}

export function stripMeta(section: any): any {
  if (!section || typeof section !== 'object') return section;
  const out: any = {};
  for (const [k, v] of Object.entries(section)) if (!k.startsWith('$')) out[k] = stripMeta(v);
  return out;
}
