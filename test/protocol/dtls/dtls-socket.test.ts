import { createPrivateKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertDescription } from '../../../protocol/dtls/constants.ts';
import type { DtlsSocketOptions } from '../../../protocol/dtls/dtls-options.ts';
import { type DtlsRemoteInfo, DtlsSocket } from '../../../protocol/dtls/dtls-socket.ts';
import { spkiDer } from '../../../protocol/dtls/keys.ts';
import { eventually } from '../../helpers/server.ts';
import { UdpProxy } from './udp-proxy.ts';

const PSK = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const fixture = (f: string): string => readFileSync(new URL(`../../fixtures/dtls/${f}`, import.meta.url), 'utf8');
const pemToDer = (pem: string): Buffer => new X509Certificate(pem).raw;

const open: { close(): void }[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

async function bind(o: DtlsSocketOptions): Promise<DtlsSocket> {
  const s = await DtlsSocket.bind({ retransmitInitialMs: 100, maxRetransmissions: 3, ...o });
  open.push(s);
  return s;
}

const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const deviceKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;

async function server(extra: DtlsSocketOptions = {}): Promise<DtlsSocket> {
  return bind({
    server: {
      pskKey: (id) => (id === 'dev-1' ? PSK : undefined),
      privateKey: serverKey,
      trustRawPublicKey: async (spki) => spki.equals(spkiDer(deviceKey)),
      trustedCas: [new X509Certificate(fixture('ca.pem'))],
    },
    ...extra,
  });
}

function messages(s: DtlsSocket): { data: string; info: DtlsRemoteInfo }[] {
  const got: { data: string; info: DtlsRemoteInfo }[] = [];
  s.on('message', (d: Buffer, info: DtlsRemoteInfo) => got.push({ data: d.toString(), info }));
  return got;
}

async function echoRoundTrip(srv: DtlsSocket, client: DtlsSocket): Promise<DtlsRemoteInfo> {
  const got = messages(srv);
  const back = messages(client);
  srv.on('message', (d: Buffer, info: DtlsRemoteInfo) => srv.send(Buffer.from('echo:' + d.toString()), info.port, info.address));
  client.send(Buffer.from('ping'), srv.address().port, '127.0.0.1');
  await eventually(() => back.length === 1, 'echo');
  expect(back[0].data).toBe('echo:ping');
  return got[0].info;
}

function alertOf(err: unknown): string {
  return (err as Error).message;
}

describe('DtlsSocket handshakes', () => {
  it.each([
    ['TLS_PSK_WITH_AES_128_CCM_8', 0xc0a8],
    ['TLS_PSK_WITH_AES_128_CBC_SHA256', 0x00ae],
  ])('PSK with %s: the server sees the PSK identity, data flows both ways', async (_name, suite) => {
    const srv = await server();
    const client = await bind({ client: { psk: { identity: 'dev-1', key: PSK }, cipherSuites: [suite] } });
    await client.connect({ address: '127.0.0.1', port: srv.address().port });
    const info = await echoRoundTrip(srv, client);
    expect(info.identity).toEqual({ kind: 'psk', identity: 'dev-1' });
    expect(srv.stats()).toMatchObject({ sessions: 1, handshakes: 0, handshakesCompleted: 1 });
    expect(srv.stats().helloVerifyRequests).toBeGreaterThanOrEqual(1); // more if a ClientHello was retransmitted
  });

  it.each([
    ['TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', 0xc0ae],
    ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 0xc02b],
  ])('ECDHE_ECDSA with raw public keys (RFC 7250) and %s', async (_name, suite) => {
    const srv = await server();
    const client = await bind({ client: { privateKey: deviceKey, serverPublicKey: spkiDer(serverKey), cipherSuites: [suite] } });
    const serverIdentity = await client.connect({ address: '127.0.0.1', port: srv.address().port });
    expect(serverIdentity).toEqual({ kind: 'rpk', publicKey: spkiDer(serverKey) });
    const info = await echoRoundTrip(srv, client);
    expect(info.identity).toEqual({ kind: 'rpk', publicKey: spkiDer(deviceKey) });
  });

  it('X.509 client certificate chaining to the configured CA: identity is the CN; fragmented over a small MTU', async () => {
    const srv = await server({ mtu: 300 });
    const client = await bind({ mtu: 300, client: { privateKey: createPrivateKey(fixture('device.key')), certificateChain: [pemToDer(fixture('device.pem'))] } });
    await client.connect({ address: '127.0.0.1', port: srv.address().port });
    const info = await echoRoundTrip(srv, client);
    expect(info.identity).toMatchObject({ kind: 'x509', commonName: 'x509-device-1' });
  });

  it('a certificate with the same CN from another CA is refused with unknown_ca', async () => {
    const srv = await server();
    const failed = new Promise<Error>((resolve) => srv.once('handshakeFailed', (_p, e: Error) => resolve(e)));
    const client = await bind({ client: { privateKey: createPrivateKey(fixture('rogue.key')), certificateChain: [pemToDer(fixture('rogue.pem'))] } });
    await expect(client.connect({ address: '127.0.0.1', port: srv.address().port })).rejects.toThrow(`fatal alert ${AlertDescription.unknownCa}`);
    expect((await failed).message).toMatch(/does not chain/);
    expect(srv.stats().sessions).toBe(0);
  });

  it('an unregistered raw public key is refused with access_denied', async () => {
    const srv = await server();
    const stranger: KeyObject = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const client = await bind({ client: { privateKey: stranger } });
    await expect(client.connect({ address: '127.0.0.1', port: srv.address().port })).rejects.toThrow(`fatal alert ${AlertDescription.accessDenied}`);
    expect(srv.stats().sessions).toBe(0);
  });

  it('a wrong PSK ends in a bad_record_mac alert and no session; an unknown identity in unknown_psk_identity', async () => {
    const srv = await server();
    const failures: string[] = [];
    srv.on('handshakeFailed', (_p, e: Error) => failures.push(e.message));
    const wrong = await bind({ client: { psk: { identity: 'dev-1', key: Buffer.alloc(16, 1) } } });
    const err = await wrong.connect({ address: '127.0.0.1', port: srv.address().port }).catch((e: unknown) => e);
    expect(alertOf(err)).toContain(`fatal alert ${AlertDescription.badRecordMac}`);
    const unknown = await bind({ client: { psk: { identity: 'who?', key: PSK } } });
    const err2 = await unknown.connect({ address: '127.0.0.1', port: srv.address().port }).catch((e: unknown) => e);
    expect(alertOf(err2)).toContain(`fatal alert ${AlertDescription.unknownPskIdentity}`);
    expect(failures).toEqual([expect.stringMatching(/keys disagree/), expect.stringMatching(/unknown PSK identity "who\?"/)]);
    expect(srv.stats()).toMatchObject({ sessions: 0, handshakes: 0, handshakesFailed: 2 });
  });

  it('completes when flights are lost: the client retransmits (RFC 6347 §4.2.4)', async () => {
    let dropped = 0;
    const srv = await server({ dropOutgoing: () => dropped++ < 2 }); // the HelloVerifyRequest and the first ServerHello flight
    const client = await bind({ client: { psk: { identity: 'dev-1', key: PSK } } });
    await client.connect({ address: '127.0.0.1', port: srv.address().port });
    expect(dropped).toBeGreaterThan(2);
    expect(srv.stats().sessions).toBe(1);
  });

  it('resumes a session with an abbreviated handshake (RFC 5246 §7.3)', async () => {
    const srv = await server();
    const client = await bind({ client: { psk: { identity: 'dev-1', key: PSK } } });
    const peer = { address: '127.0.0.1', port: srv.address().port };
    await client.connect(peer);
    client.disconnect(peer);
    await eventually(() => srv.stats().sessions === 0, 'close_notify ends the server session');
    await client.connect(peer);
    const info = await echoRoundTrip(srv, client);
    expect(info.identity).toEqual({ kind: 'psk', identity: 'dev-1' });
    expect(srv.stats()).toMatchObject({ handshakesCompleted: 2, handshakesResumed: 1 });
  });
});

describe('DtlsSocket records on the wire', () => {
  async function throughProxy(clientExtra: Partial<DtlsSocketOptions['client']> = {}) {
    const srv = await server();
    const proxy = await UdpProxy.start({ address: '127.0.0.1', port: srv.address().port });
    open.push(proxy);
    const client = await bind({ client: { psk: { identity: 'dev-1', key: PSK }, ...clientExtra } });
    await client.connect({ address: '127.0.0.1', port: proxy.port });
    return { srv, proxy, client, got: messages(srv) };
  }

  it('drops a replayed record and delivers reordered ones (RFC 6347 §4.1.2.6)', async () => {
    const { srv, proxy, client, got } = await throughProxy();
    const held: Buffer[] = [];
    proxy.forwardToServer = (d) => {
      if (held.length === 0) {
        held.push(d);
        return false;
      }
      return true;
    };
    client.send(Buffer.from('first'), proxy.port, '127.0.0.1');
    client.send(Buffer.from('second'), proxy.port, '127.0.0.1');
    await eventually(() => got.length === 1, 'second arrives');
    proxy.toServer(held[0]); // late, but inside the window
    await eventually(() => got.length === 2, 'first arrives late');
    proxy.toServer(held[0]); // replay
    proxy.toServer(proxy.fromClient.at(-1)!); // replay
    client.send(Buffer.from('third'), proxy.port, '127.0.0.1');
    await eventually(() => got.length === 3, 'third');
    expect(got.map((g) => g.data)).toEqual(['second', 'first', 'third']);
    expect(srv.stats().replayedRecords).toBe(2);
  });

  it('drops a tampered record silently and keeps the session (RFC 6347 §4.1.2.7)', async () => {
    const { srv, proxy, client, got } = await throughProxy();
    proxy.forwardToServer = (d) => {
      const bad = Buffer.from(d);
      bad[bad.length - 1] ^= 1; // the tampered copy goes first, then the genuine record
      proxy.toServer(bad);
      return true;
    };
    client.send(Buffer.from('after-tamper'), proxy.port, '127.0.0.1');
    await eventually(() => got.length === 1, 'genuine record delivered');
    expect(got[0].data).toBe('after-tamper');
    expect(srv.stats()).toMatchObject({ sessions: 1, badRecords: 1 });
  });

  it('with a Connection ID (RFC 9146) the session follows the client to a new address', async () => {
    const { srv, proxy, client, got } = await throughProxy({ connectionIdLength: 4 });
    client.send(Buffer.from('before'), proxy.port, '127.0.0.1');
    await eventually(() => got.length === 1, 'before');
    const firstPort = got[0].info.port;
    await proxy.rebind();
    const back = messages(client);
    client.send(Buffer.from('after'), proxy.port, '127.0.0.1');
    await eventually(() => got.length === 2, 'after the address change');
    expect(got[1].info.port).toBe(proxy.upstreamPort);
    expect(got[1].info.port).not.toBe(firstPort);
    expect(got[1].info.identity).toEqual({ kind: 'psk', identity: 'dev-1' });
    srv.send(Buffer.from('to-new-address'), got[1].info.port, '127.0.0.1');
    await eventually(() => back.length === 1, 'server reaches the new address');
    expect(srv.stats()).toMatchObject({ sessions: 1, handshakesCompleted: 1 });
  });
});

describe('DtlsSocket bounds', () => {
  it('garbage and cookie-less ClientHellos leave no state; established sessions keep being served', async () => {
    const srv = await server();
    const client = await bind({ client: { psk: { identity: 'dev-1', key: PSK } } });
    await client.connect({ address: '127.0.0.1', port: srv.address().port });
    const raw = createSocket('udp4');
    open.push(raw);
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const hello = Buffer.from('16fefd000000000000000000' + '3a' + '010000' + '2e' + '0000' + '000000' + '00002e' + 'fefd' + '00'.repeat(32) + '00' + '00' + '0002c0a8' + '0100', 'hex');
    for (let i = 0; i < 300; i++) {
      raw.send(i % 2 === 0 ? hello : Buffer.from(`garbage ${i}`), srv.address().port, '127.0.0.1');
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5)); // paced: the kernel's receive buffer is not under test
    }
    await echoRoundTrip(srv, client);
    await eventually(() => srv.stats().datagramsReceived >= 300, 'flood received');
    expect(srv.stats()).toMatchObject({ sessions: 1, handshakes: 0 });
  });

  it('caps half-open handshakes per source address', async () => {
    const srv = await server({ maxHandshakesPerAddress: 2 });
    const stalled: DtlsSocket[] = [];
    for (let i = 0; i < 4; i++) {
      // The client never sends its flight 5: each handshake stays half-open on the server.
      let sent = 0;
      stalled.push(await bind({ client: { psk: { identity: 'dev-1', key: PSK } }, dropOutgoing: () => ++sent > 2, maxRetransmissions: 0 }));
    }
    for (const c of stalled) c.connect({ address: '127.0.0.1', port: srv.address().port }).catch(() => undefined);
    await eventually(() => srv.stats().handshakes === 2 && srv.stats().handshakesRefused >= 2, 'cap reached');
    const ok = await bind({ client: { psk: { identity: 'dev-1', key: PSK } } });
    await expect(ok.connect({ address: '127.0.0.1', port: srv.address().port })).rejects.toThrow(); // same IP: refused while the cap holds
  });

  it('expires idle sessions and half-open handshakes', async () => {
    const srv = await server({ sessionIdleMs: 150, sweepIntervalMs: 30, handshakeTimeoutMs: 150 });
    const client = await bind({ client: { psk: { identity: 'dev-1', key: PSK } } });
    await client.connect({ address: '127.0.0.1', port: srv.address().port });
    let sent = 0;
    const stalled = await bind({ client: { psk: { identity: 'dev-1', key: PSK } }, dropOutgoing: () => ++sent > 2, maxRetransmissions: 0 });
    stalled.connect({ address: '127.0.0.1', port: srv.address().port }).catch(() => undefined);
    await eventually(() => srv.stats().handshakes === 1, 'half-open');
    await eventually(() => srv.stats().sessions === 0 && srv.stats().handshakes === 0, 'expired');
    expect(srv.stats().sessionsExpired).toBe(1);
  });
});
