/** `lwtwin bootstrap set|get|rm|sessions`: bootstrap configurations and the audit of sessions, through the HTTP API. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseCliValue } from './api-client.ts';
import { apiClient, print, type GlobalOptions } from './client-commands.ts';
import { table } from './format.ts';

const enc = encodeURIComponent;

/** `/api/bootstrap/{ep}`, or `/api/bootstrap` for the default (which must be asked for with --default). */
function target(ep: string | undefined, o: { default?: boolean }): string {
  if (ep !== undefined && o.default) throw new Error('give an endpoint or --default, not both');
  if (ep === undefined && !o.default) throw new Error('give an endpoint, or --default for the configuration of endpoints without their own');
  return ep === undefined ? '/api/bootstrap' : `/api/bootstrap/${enc(ep)}`;
}

function describeConfig(name: string, c: any): string {
  const sec = c.security?.mode === 'psk' ? (c.security.generate ? 'psk (a generated key per device)' : `psk identity ${JSON.stringify(c.security.identity)}`) : 'nosec';
  const writes = (c.writes ?? []).map((w: any) => `${w.path}=${JSON.stringify(w.value)}`).join(', ');
  return `${name}: server ${c.server.uri} ssid ${c.server.shortServerId} lifetime ${c.server.lifetime}s binding ${c.server.binding}, security ${sec}${writes ? `, writes ${writes}` : ''}`;
}

function configFromFlags(o: any): Record<string, unknown> {
  if (o.file) {
    try {
      return JSON.parse(readFileSync(o.file, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read a JSON configuration from ${o.file}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!o.serverUri) throw new Error('give --server-uri coap://host:port (or --file config.json)');
  const server: Record<string, unknown> = { uri: o.serverUri, shortServerId: Number(o.ssid), lifetime: Number(o.lifetime), binding: o.binding };
  let security: Record<string, unknown> = { mode: 'nosec' };
  if (o.generatePsk) security = { mode: 'psk', generate: true };
  else if (o.pskIdentity !== undefined || o.pskKey !== undefined) security = { mode: 'psk', identity: o.pskIdentity, key: o.pskKey };
  const writes = (o.write ?? []).map((w: string) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`--write ${JSON.stringify(w)}: expected /O/I/R=value`);
    return { path: w.slice(0, eq), value: parseCliValue(w.slice(eq + 1)) };
  });
  return { server, security, ...(writes.length ? { writes } : {}) };
}

export function registerBootstrapCommands(program: Command, globals: () => GlobalOptions): void {
  const bootstrap = program.command('bootstrap').description('bootstrap configurations (what the bootstrap server writes to devices) and sessions: set, get, rm, sessions');

  bootstrap
    .command('set [endpoint]')
    .description("set an endpoint's bootstrap configuration (or the default with --default)")
    .option('--default', 'the configuration of every endpoint without its own')
    .option('--server-uri <uri>', 'the DM server the device is given: coap://host:port (nosec) or coaps://host:port (psk)')
    .option('--ssid <n>', 'short server id', '1')
    .option('--lifetime <sec>', 'registration lifetime, s', '300')
    .option('--binding <b>', 'binding', 'U')
    .option('--psk-identity <identity>', 'fixed PSK identity (with --psk-key)')
    .option('--psk-key <hex>', 'fixed PSK key in hex')
    .option('--generate-psk', 'a fresh random PSK per device, also stored in the DM security store')
    .option('--write <path=value...>', 'extra resource writes, e.g. /3/0/15=Europe/Oslo')
    .option('--file <config.json>', 'the whole configuration as JSON instead of the flags above')
    .action(async (ep: string | undefined, o) => {
      const g = globals();
      const c = await apiClient(g).put(target(ep, o), configFromFlags(o));
      print(g, c, () => describeConfig(ep ?? '(default)', c));
    });

  bootstrap
    .command('get [endpoint]')
    .description("show an endpoint's bootstrap configuration (or the default with --default); never a key")
    .option('--default', 'the default configuration')
    .action(async (ep: string | undefined, o) => {
      const g = globals();
      const c = await apiClient(g).get(target(ep, o));
      print(g, c, () => describeConfig(ep ?? '(default)', c));
    });

  bootstrap
    .command('rm [endpoint]')
    .description("remove an endpoint's bootstrap configuration (or the default with --default)")
    .option('--default', 'the default configuration')
    .action(async (ep: string | undefined, o) => {
      const g = globals();
      await apiClient(g).delete(target(ep, o));
      print(g, { removed: ep ?? '(default)' }, () => `${ep ?? '(default)'}: bootstrap configuration removed`);
    });

  bootstrap
    .command('sessions <endpoint>')
    .description("an endpoint's bootstrap sessions, newest first: outcome, version, format, steps")
    .action(async (ep: string) => {
      const g = globals();
      const res = await apiClient(g).get(`/api/bootstrap/${enc(ep)}/sessions`);
      print(g, res, () =>
        table(
          res.items.map((s: any) => ({
            started: s.startedAt,
            outcome: s.outcome,
            lwm2m: s.lwm2mVersion,
            format: s.contentFormat,
            steps: s.steps.map((x: any) => `${x.operation} ${x.path} ${x.code ?? '-'}`).join('; '),
            error: s.error ?? '',
          })),
        ),
      );
    });
}
