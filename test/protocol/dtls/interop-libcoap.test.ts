import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import type { IncomingRequest } from '../../../protocol/coap/types.ts';
import { DtlsSocket } from '../../../protocol/dtls/dtls-socket.ts';

/**
 * Interop at the DTLS level with stacks no one here wrote: libcoap's coap-client built on OpenSSL and on GnuTLS
 * (Debian libcoap3-bin, installed by scripts/bootstrap.mjs), talking coaps:// with a PSK to a CoapEndpoint over a
 * DtlsSocket.
 */
const PSK = 'interop-secret-key';
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

function coapClient(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 15_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

async function coapsServer(): Promise<{ port: number; requests: IncomingRequest[]; dtls: DtlsSocket }> {
  const dtls = await DtlsSocket.bind({ server: { pskKey: (id) => (id === 'libcoap-dev' ? Buffer.from(PSK) : undefined) } });
  const ep = CoapEndpoint.over(dtls);
  open.push(ep);
  const requests: IncomingRequest[] = [];
  ep.onRequest((req) => {
    requests.push(req);
    const who = req.peer.identity?.kind === 'psk' ? req.peer.identity.identity : 'anonymous';
    return { code: '2.05', payload: Buffer.from(`hello ${who} ${req.uriPath.join('/')}`) };
  });
  return { port: dtls.address().port, requests, dtls };
}

describe.each(['coap-client-openssl', 'coap-client-gnutls'])('%s over DTLS PSK', (bin) => {
  it('gets a resource; the server sees the PSK identity', async () => {
    const { port, requests } = await coapsServer();
    const r = await coapClient(bin, ['-m', 'get', '-k', PSK, '-u', 'libcoap-dev', '-B', '5', `coaps://127.0.0.1:${port}/some/path`]);
    expect(r.stdout.trim()).toBe('hello libcoap-dev some/path');
    expect(requests[0].peer.identity).toEqual({ kind: 'psk', identity: 'libcoap-dev' });
  });

  it('a wrong key gets no answer and no session; the handshake ends in an alert', async () => {
    const { port, requests, dtls } = await coapsServer();
    const failures: string[] = [];
    dtls.on('handshakeFailed', (_p, e: Error) => failures.push(e.message));
    const r = await coapClient(bin, ['-m', 'get', '-k', 'not-the-key', '-u', 'libcoap-dev', '-B', '3', `coaps://127.0.0.1:${port}/x`]);
    expect(r.stdout).not.toContain('hello');
    expect(requests).toEqual([]);
    expect(failures[0]).toMatch(/keys disagree/);
    expect(dtls.stats().sessions).toBe(0);
  });

  it('an unknown identity is refused', async () => {
    const { port, requests, dtls } = await coapsServer();
    const r = await coapClient(bin, ['-m', 'get', '-k', PSK, '-u', 'somebody-else', '-B', '3', `coaps://127.0.0.1:${port}/x`]);
    expect(r.stdout).not.toContain('hello');
    expect(requests).toEqual([]);
    expect(dtls.stats()).toMatchObject({ sessions: 0, handshakesFailed: 1 });
  });
});
