/** `lwtwin security set|get|rm|list`: the DTLS credentials of devices, through the HTTP API. Never prints a stored key. */
import type { RequestBodyOf } from '../../api/lwtwin-api.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { apiClient, print, type GlobalOptions } from './client-commands.ts';
import { table } from './format.ts';

function serverOf(o: { bootstrap?: boolean }): { server?: 'dm' | 'bootstrap' } {
  return o.bootstrap ? { server: 'bootstrap' } : {};
}

function describeEntry(s: any): string {
  const what = s.mode === 'psk' ? `identity ${JSON.stringify(s.identity)}` : s.mode === 'rpk' ? `public key ${s.publicKeyFingerprint}` : 'certificate CN = endpoint';
  return `${s.endpoint}: ${s.mode}, ${what}, updated ${s.updatedAt}`;
}

export function registerSecurityCommands(program: Command, globals: () => GlobalOptions): void {
  const security = program.command('security').description('DTLS credentials of devices (psk, rpk, x509): set, get, rm, list');

  security
    .command('set <endpoint>')
    .description('set the credentials of a device: --psk-identity with --psk-key or --generate-key, --rpk <pem-file>, or --x509')
    .option('--psk-identity <identity>', 'PSK identity (UTF-8, at most 128 bytes)')
    .option('--psk-key <hex>', 'PSK key in hex (16 to 64 bytes)')
    .option('--generate-key', 'generate a random 16-byte PSK key and print it once (to provision the device)')
    .option('--rpk <pem-file>', "file with the device's P-256 public key (PEM)")
    .option('--x509', 'the device presents a certificate whose CN is its endpoint name')
    .option('--bootstrap', "the bootstrap server's credentials of the device instead of the DM server's")
    .action(async (ep: string, o) => {
      const g = globals();
      const modes = [o.pskIdentity !== undefined, o.rpk !== undefined, o.x509 === true].filter(Boolean).length;
      if (modes !== 1) throw new Error('give exactly one of --psk-identity, --rpk <pem-file>, --x509');
      let body: Record<string, string>;
      let generated: string | undefined;
      if (o.pskIdentity !== undefined) {
        if ((o.pskKey === undefined) === (o.generateKey !== true)) throw new Error('with --psk-identity give either --psk-key <hex> or --generate-key');
        generated = o.generateKey ? randomBytes(16).toString('hex') : undefined;
        body = { mode: 'psk', identity: o.pskIdentity, key: generated ?? o.pskKey };
      } else if (o.rpk !== undefined) {
        let pem: string;
        try {
          pem = readFileSync(o.rpk, 'utf8');
        } catch (e) {
          throw new Error(`cannot read ${o.rpk}: ${(e as Error).message}`, { cause: e });
        }
        body = { mode: 'rpk', publicKey: pem };
      } else {
        body = { mode: 'x509' };
      }
      const s = await apiClient(g).call('put', '/api/devices/{ep}/security', { path: { ep }, query: serverOf(o), body: body as RequestBodyOf<'/api/devices/{ep}/security', 'put'> });
      print(g, generated ? { ...s, key: generated } : s, () => describeEntry(s) + (generated ? `\nkey ${generated}  (shown once: provision it on the device now)` : ''));
    });

  security
    .command('get <endpoint>')
    .description('show the mode and PSK identity (or public-key fingerprint) of a device; never the key')
    .option('--bootstrap', "the bootstrap server's credentials")
    .action(async (ep: string, o) => {
      const g = globals();
      const s = await apiClient(g).call('get', '/api/devices/{ep}/security', { path: { ep }, query: serverOf(o) });
      print(g, s, () => describeEntry(s));
    });

  security
    .command('rm <endpoint>')
    .description('remove the credentials of a device')
    .option('--bootstrap', "the bootstrap server's credentials")
    .action(async (ep: string, o) => {
      const g = globals();
      await apiClient(g).call('delete', '/api/devices/{ep}/security', { path: { ep }, query: serverOf(o) });
      print(g, { endpoint: ep, removed: true }, () => `${ep}: credentials removed`);
    });

  security
    .command('list')
    .description('list devices with credentials')
    .option('--bootstrap', "the bootstrap server's credentials")
    .option('--limit <n>', 'page size', '100')
    .option('--cursor <cursor>', 'continue after a previous page')
    .action(async (o) => {
      const g = globals();
      const res = await apiClient(g).call('get', '/api/security', { query: { limit: Number(o.limit), ...serverOf(o), ...(o.cursor ? { cursor: o.cursor } : {}) } });
      print(g, res, () =>
        table(res.items.map((s) => ({ endpoint: s.endpoint, mode: s.mode, identity: s.identity ?? s.publicKeyFingerprint ?? '', updated: s.updatedAt }))) +
        (res.cursor ? `\n(more: --cursor ${res.cursor})` : ''),
      );
    });
}
