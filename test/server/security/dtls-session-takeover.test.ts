// DTLS sessions taken over by another DtlsSocket (a restarted process, another node) through a DtlsSessionStore.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { DtlsSocketOptions } from '../../../protocol/dtls/dtls-options.ts';
import { type DtlsRemoteInfo, DtlsSocket } from '../../../protocol/dtls/dtls-socket.ts';
import type { SessionSnapshot } from '../../../protocol/dtls/session-snapshot.ts';
import { MemoryDtlsSessionStore } from '../../../server/security/memory-dtls-session-store.ts';
import { eventually } from '../../helpers/server.ts';

const PSK = randomBytes(16);
const open: { close(): void }[] = [];
afterEach(() => {
  while (open.length > 0) open.pop()!.close();
});

/** The (epoch, seq) of every record in the datagrams a socket sent. */
function recordSeqs(datagram: Buffer): string[] {
  const out: string[] = [];
  for (let o = 0; o + 13 <= datagram.length; ) {
    const cidLen = datagram[o] === 25 ? 4 : 0;
    out.push(`${datagram.readUInt16BE(o + 3)}:${datagram.readUIntBE(o + 5, 6)}`);
    o += 13 + cidLen + datagram.readUInt16BE(o + 11 + cidLen);
  }
  return out;
}

async function server(store: MemoryDtlsSessionStore | undefined, port = 0, extra: DtlsSocketOptions = {}, sent: string[] = []): Promise<DtlsSocket> {
  const s = await DtlsSocket.bind({
    port,
    server: { pskKey: (id) => (id === 'dev-1' ? PSK : undefined) },
    ...(store ? { sessionPersistence: store } : {}),
    dropOutgoing: (d) => {
      sent.push(...recordSeqs(d));
      return false;
    },
    ...extra,
  });
  open.push(s);
  s.on('message', (d: Buffer, info: DtlsRemoteInfo) => {
    if (d.toString().startsWith('echo?')) s.send(Buffer.from('echo:' + d.toString().slice(5)), info.port, info.address);
  });
  return s;
}

async function client(cid = 0, captured: Buffer[] = []): Promise<{ sock: DtlsSocket; got: string[] }> {
  const sock = await DtlsSocket.bind({
    client: { psk: { identity: 'dev-1', key: PSK }, ...(cid > 0 ? { connectionIdLength: cid } : {}) },
    retransmitInitialMs: 100,
    dropOutgoing: (d) => {
      captured.push(Buffer.from(d));
      return false;
    },
  });
  open.push(sock);
  const got: string[] = [];
  sock.on('message', (d: Buffer) => got.push(d.toString()));
  return { sock, got };
}

function close(s: DtlsSocket): Promise<void> {
  return new Promise((r) => s.close(r));
}

const seqOf = (k: string): number => Number(k.split(':')[1]);

describe('DTLS sessions that outlive their socket', () => {
  it('a new socket on the same port takes a PSK session over at the next record, without a handshake, above every sequence number the old one used', async () => {
    const store = new MemoryDtlsSessionStore();
    const sentA: string[] = [];
    const a = await server(store, 0, {}, sentA);
    const port = a.address().port;
    const dev = await client();
    dev.sock.send(Buffer.from('echo?one'), port, '127.0.0.1');
    await eventually(() => dev.got.includes('echo:one'), 'echo from the first server');
    await eventually(() => a.stats().sessionsPersisted === 1, 'session persisted');
    await close(a); // no close_notify: the session lives on in the store
    expect(dev.sock.stats().sessions).toBe(1);

    const sentB: string[] = [];
    const b = await server(store, port, {}, sentB);
    const restored: unknown[] = [];
    b.on('session', (_peer: unknown, id: unknown) => restored.push(id));
    dev.sock.send(Buffer.from('echo?two'), port, '127.0.0.1');
    await eventually(() => dev.got.includes('echo:two'), 'echo from the restarted server');
    expect(restored).toEqual([{ kind: 'psk', identity: 'dev-1' }]);
    expect(b.stats()).toMatchObject({ sessionsRestored: 1, handshakesCompleted: 0, sessions: 1 });
    expect(dev.sock.stats()).toMatchObject({ handshakesCompleted: 1, handshakesResumed: 0 });
    const maxA = Math.max(...sentA.filter((k) => k.startsWith('1:')).map(seqOf));
    const epoch1B = sentB.filter((k) => k.startsWith('1:')).map(seqOf);
    expect(epoch1B.length).toBeGreaterThan(0);
    expect(Math.min(...epoch1B)).toBeGreaterThanOrEqual(65_536);
    expect(Math.min(...epoch1B)).toBeGreaterThan(maxA);
  });

  it('with a CID and small blocks: writes reserve block after block, the taker-over starts above all of them, and replays of records read before the last write are dropped', async () => {
    const store = new MemoryDtlsSessionStore();
    const sentA: string[] = [];
    const a = await server(store, 0, { connectionIdLength: 4, persistBlock: 16 }, sentA);
    const port = a.address().port;
    const captured: Buffer[] = [];
    const dev = await client(4, captured);
    let peer: DtlsRemoteInfo | undefined;
    a.on('message', (_d: Buffer, info: DtlsRemoteInfo) => (peer = info));
    dev.sock.send(Buffer.from('hello'), port, '127.0.0.1');
    await eventually(() => peer, 'hello');
    const helloRecord = captured[captured.length - 1];
    const persists = a.stats().sessionsPersisted;
    for (let i = 0; i < 40; i++) {
      await new Promise<void>((resolve, reject) => a.send(Buffer.from(`n${i}`), peer!.port, peer!.address, (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => setImmediate(r));
    }
    await eventually(() => dev.got.length === 40, '40 records to the device');
    expect(a.stats().sessionsPersisted).toBeGreaterThanOrEqual(persists + 2);
    expect(a.stats().writesBlocked).toBe(0);
    const epochOneA = sentA.filter((k) => k.startsWith('1:')).map(seqOf);
    expect(new Set(epochOneA).size).toBe(epochOneA.length);
    await close(a);

    const sentB: string[] = [];
    const b = await server(store, port, { connectionIdLength: 4, persistBlock: 16 }, sentB);
    const gotB: string[] = [];
    b.on('message', (d: Buffer) => gotB.push(d.toString()));
    dev.sock.send(Buffer.from('echo?after'), port, '127.0.0.1');
    await eventually(() => dev.got.includes('echo:after'), 'echo after the take-over by CID');
    expect(b.stats()).toMatchObject({ sessionsRestored: 1, handshakesCompleted: 0 });
    const epochOneB = sentB.filter((k) => k.startsWith('1:')).map(seqOf);
    expect(Math.min(...epochOneB)).toBeGreaterThan(Math.max(...epochOneA));

    // The device's 'hello' was read before A's last write: replayed to B, it is dropped.
    const raw = createSocket('udp4');
    open.push(raw);
    raw.send(helloRecord, port, '127.0.0.1');
    await eventually(() => b.stats().replayedRecords >= 1, 'replay dropped');
    expect(gotB).toEqual(['echo?after']);
  });

  it('unknown CIDs from garbage traffic are looked up at a bounded rate and then remembered as unknown', async () => {
    const store = new MemoryDtlsSessionStore();
    let lookups = 0;
    const counting = Object.assign(Object.create(store) as MemoryDtlsSessionStore, {
      findByCid: (cid: Buffer) => {
        lookups++;
        return store.findByCid(cid);
      },
      findByAddress: (address: string, p: number) => {
        lookups++;
        return store.findByAddress(address, p);
      },
    });
    const srv = await DtlsSocket.bind({ server: { pskKey: () => PSK }, sessionPersistence: counting, connectionIdLength: 4, persistLookupsPerSecond: 20 });
    open.push(srv);
    const raw = createSocket('udp4');
    open.push(raw);
    await new Promise<void>((r) => raw.bind(0, '127.0.0.1', () => r()));
    const started = Date.now();
    const fixed = randomBytes(4);
    for (let i = 0; i < 600; i++) {
      const rec = Buffer.alloc(13 + 4 + 30);
      rec[0] = 25;
      rec.writeUInt16BE(0xfefd, 1);
      rec.writeUInt16BE(1, 3);
      rec.writeUIntBE(i, 5, 6);
      (i % 3 === 0 ? fixed : randomBytes(4)).copy(rec, 11);
      rec.writeUInt16BE(30, 15);
      raw.send(rec, srv.address().port, '127.0.0.1');
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5)); // paced: the kernel's receive buffer is not under test
    }
    // Wait until the datagrams stop coming in (a loaded machine may drop some; the bound holds for those received).
    let last = -1;
    await eventually(() => {
      const now = srv.stats().datagramsReceived;
      const settled = now === last && now > 0;
      last = now;
      return settled;
    }, 'garbage received', 10_000, 200);
    const received = srv.stats().datagramsReceived;
    expect(received).toBeGreaterThan(100);
    const seconds = (Date.now() - started) / 1000;
    expect(lookups).toBeLessThanOrEqual(20 + Math.ceil(seconds * 20) + 1);
    expect(lookups).toBeLessThan(received / 2);
    expect(srv.stats().restoreLookupsSkipped).toBeGreaterThan(received / 2);
    expect(srv.stats().sessions).toBe(0);
  });

  it('a failing store does not stop live sessions; past its block a session sends nothing until a block is stored', async () => {
    const failing = {
      persist: (_s: SessionSnapshot) => Promise.reject(new Error('store down')),
      findByCid: () => Promise.reject(new Error('store down')),
      findByAddress: () => Promise.reject(new Error('store down')),
      remove: () => Promise.reject(new Error('store down')),
    };
    const errors: unknown[] = [];
    const srv = await DtlsSocket.bind({ server: { pskKey: () => PSK }, sessionPersistence: failing, persistBlock: 16 });
    open.push(srv);
    srv.on('persistenceError', (e: unknown) => errors.push(e));
    srv.on('message', (d: Buffer, info: DtlsRemoteInfo) => srv.send(Buffer.from('echo:' + d.toString()), info.port, info.address));
    const dev = await client();
    dev.sock.send(Buffer.from('x'), srv.address().port, '127.0.0.1');
    await eventually(() => dev.got.includes('echo:x'), 'echo while the store is down');
    expect(srv.stats().persistFailures).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    // The first block starts after the server's Finished (seq 0): [1, 17). The echo used 1; 15 more fit, then it refuses.
    const results: (Error | null)[] = [];
    for (let i = 0; i < 20; i++) srv.send(Buffer.from(`m${i}`), dev.sock.address().port, '127.0.0.1', (err) => results.push(err));
    expect(results.filter((r) => r === null)).toHaveLength(15);
    expect(srv.stats().writesBlocked).toBeGreaterThan(0);
    await eventually(() => dev.got.length === 16, 'the records inside the block arrive');
  });

  it('a session closed by an alert is removed from the store', async () => {
    const store = new MemoryDtlsSessionStore();
    const srv = await server(store);
    const dev = await client();
    dev.sock.send(Buffer.from('echo?x'), srv.address().port, '127.0.0.1');
    await eventually(() => dev.got.length === 1, 'echo');
    await eventually(() => srv.stats().sessionsPersisted === 1, 'persisted');
    const port = dev.sock.address().port;
    expect(await store.findByAddress('127.0.0.1', port)).toBeDefined();
    dev.sock.disconnect({ address: '127.0.0.1', port: srv.address().port });
    await eventually(async () => (await store.findByAddress('127.0.0.1', port)) === undefined, 'removed after close_notify');
  });
});
